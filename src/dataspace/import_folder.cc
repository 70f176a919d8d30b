#include "dataspace/import_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <utility>
#include <vector>

namespace qt::dataspace {
namespace {

// Closes its descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string Quoted(const std::string& name) { return "'" + name + "'"; }

Status NotInFolder(const std::string& name) {
  return NotFound("file: no file " + Quoted(name) + " in your organisation's import folder");
}

Status ThroughLink(const std::string& name) {
  return InvalidArgument("file: " + Quoted(name) +
                         " is or passes through a symbolic link; the import folder takes regular"
                         " files only");
}

Status NotRegular(const std::string& name) {
  return InvalidArgument("file: " + Quoted(name) +
                         " is not a regular file (a FIFO, socket, device or directory)");
}

// The path an open descriptor resolves to, or "" if unknown.
std::string ResolvedPath(int fd) {
  std::array<char, 4096> buf{};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : "";
}

// Why `part` under `dir` could not be opened, as an error naming `name`.
Status Refusal(int dir, const std::string& part, int err, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir, part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
    return ThroughLink(name);
  }
  if (err == ELOOP) return ThroughLink(name);
  if (err == ENOENT || err == ENOTDIR) return NotInFolder(name);
  if (err == EACCES || err == EPERM) {
    return InvalidArgument("file: " + Quoted(name) + " cannot be read by the server");
  }
  return Internal("file: the import folder cannot be read");
}

// Opens the directory `part` of `dir` without following a link.
Result<Fd> OpenDir(int dir, const std::string& part, const std::string& name) {
  Fd fd(::openat(dir, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return Refusal(dir, part, errno, name);
  return fd;
}

}  // namespace

ImportedFile::ImportedFile(ImportedFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), bytes_(other.bytes_) {}

ImportedFile& ImportedFile::operator=(ImportedFile&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(bytes_, other.bytes_);
  return *this;
}

ImportedFile::~ImportedFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string ImportedFile::ReadPath() const { return "/proc/self/fd/" + std::to_string(fd_); }

Result<ImportedFile> OpenImportFile(const std::string& import_dir, const std::string& org_id,
                                    const std::string& name) {
  const Status bad_name = InvalidArgument(
      "file: must be a relative path inside your organisation's import folder (no absolute path,"
      " '..', '.' or empty part)");
  if (name.empty() || name.size() > 1000 || name.front() == '/' ||
      name.find('\0') != std::string::npos) {
    return bad_name;
  }
  std::vector<std::string> parts;
  for (size_t begin = 0;;) {
    size_t end = name.find('/', begin);
    std::string part = name.substr(begin, end == std::string::npos ? end : end - begin);
    if (part.empty() || part == "." || part == "..") return bad_name;
    parts.push_back(std::move(part));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  if (org_id.empty() || org_id.find('/') != std::string::npos || org_id == "." || org_id == "..") {
    return Internal("file: no import folder for this organisation");
  }

  // The import folder itself is the operator's choice and may be a link;
  // nothing below it may be.
  Fd root(::open(import_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    if (errno == ENOENT) return NotInFolder(name);
    return Internal("file: the import folder cannot be read");
  }
  QT_ASSIGN_OR_RETURN(Fd org, OpenDir(root.get(), org_id, name));
  const std::string org_path = ResolvedPath(org.get());
  Fd dir = std::move(org);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    QT_ASSIGN_OR_RETURN(Fd next, OpenDir(dir.get(), parts[i], name));
    dir = std::move(next);
  }
  const std::string& last = parts.back();
  // Looked at before opening, so that a device is never opened at all; the
  // open descriptor is checked again below (the name may change meanwhile).
  struct stat st {};
  if (::fstatat(dir.get(), last.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Refusal(dir.get(), last, errno, name);
  }
  if (S_ISLNK(st.st_mode)) return ThroughLink(name);
  if (!S_ISREG(st.st_mode)) return NotRegular(name);
  Fd file(
      ::openat(dir.get(), last.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (file.get() < 0) return Refusal(dir.get(), last, errno, name);
  if (::fstat(file.get(), &st) != 0) return Internal("file: the import folder cannot be read");
  if (!S_ISREG(st.st_mode)) return NotRegular(name);
  if (st.st_nlink != 1) {
    return InvalidArgument("file: " + Quoted(name) +
                           " has more than one name (a hard link may point outside the folder);"
                           " copy the file into the folder instead");
  }
  int flags = ::fcntl(file.get(), F_GETFL);
  if (flags < 0 || ::fcntl(file.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return Internal("file: the import folder cannot be read");
  }
  // Belt and braces: where the kernel says the open file is.
  const std::string resolved = ResolvedPath(file.get());
  if (org_path.empty() || !resolved.starts_with(org_path + "/")) {
    return InvalidArgument("file: " + Quoted(name) +
                           " does not lie inside your organisation's import folder");
  }
  return ImportedFile(file.release(), static_cast<int64_t>(st.st_size));
}

}  // namespace qt::dataspace
