// TempDir: a fresh folder under $TMPDIR for one test, removed afterwards.
#ifndef QIANTANG_TESTS_SUPPORT_TEMP_DIR_H_
#define QIANTANG_TESTS_SUPPORT_TEMP_DIR_H_

#include <filesystem>
#include <string>

namespace qt::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_TEMP_DIR_H_
