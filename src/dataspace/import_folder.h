// The import folder: where a data holder places files too large to upload,
// one folder per organisation, `<import_dir>/<org id>/`. A `file` source names
// a path relative to its organisation's folder; the server opens it without
// ever following a symbolic link, so a holder who can write into its folder
// still reads nothing else through it.
//
// OpenImportFile walks the path one component at a time from the import
// folder (openat with O_NOFOLLOW; the organisation's folder and every folder
// on the way must be real directories, not links), opens the last component
// with O_NOFOLLOW | O_NONBLOCK (so a FIFO cannot block the server) and checks
// with fstat on the open descriptor that it is a regular file with exactly one
// link: a hard link (st_nlink > 1) may name a file outside the folder, so any
// file with more than one name is refused. The descriptor's resolved path is
// then checked to lie inside the organisation's folder. Reads go through the
// open descriptor (ReadPath), so a name swapped after the checks changes
// nothing.
//
// Errors name the file as the caller gave it, never a server path:
//   invalid_argument  empty, absolute, ".", ".." or empty components, over
//                     1000 bytes; a symbolic link on the way; not a regular
//                     file (FIFO, socket, device, directory); a hard link
//   not_found         no such file in the organisation's folder
//   internal          the folder cannot be read (the message says no more)
//
// Thread-safety: ImportedFile is a move-only value; OpenImportFile is reentrant.
// Linux only (/proc/self/fd).
#ifndef QIANTANG_DATASPACE_IMPORT_FOLDER_H_
#define QIANTANG_DATASPACE_IMPORT_FOLDER_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace qt::dataspace {

// An open regular file of an organisation's import folder.
class ImportedFile {
 public:
  ImportedFile() = default;
  explicit ImportedFile(int fd, int64_t bytes) : fd_(fd), bytes_(bytes) {}
  ImportedFile(ImportedFile&& other) noexcept;
  ImportedFile& operator=(ImportedFile&& other) noexcept;
  ImportedFile(const ImportedFile&) = delete;
  ImportedFile& operator=(const ImportedFile&) = delete;
  ~ImportedFile();

  int64_t bytes() const { return bytes_; }
  // A path that opens this very file (/proc/self/fd/N), whatever its name
  // points to meanwhile; valid while this object lives.
  std::string ReadPath() const;

 private:
  int fd_ = -1;
  int64_t bytes_ = 0;
};

// Opens `name`, relative to `<import_dir>/<org_id>/`, as described above.
Result<ImportedFile> OpenImportFile(const std::string& import_dir, const std::string& org_id,
                                    const std::string& name);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_IMPORT_FOLDER_H_
