#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.h"

namespace nest {
namespace fs = std::filesystem;

namespace {

// Removes the temporary file unless the rename took it over.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  bool create() {
    fd_ = ::mkstemp(path_.data());
    return fd_ >= 0;
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  bool close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }
  void keep() { kept_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool kept_ = false;
};

mode_t modeForNewFile() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

[[noreturn]] void failWrite(const fs::path& file, const std::string& why) {
  failBadInput("cannot write " + file.string() + ": " + why + "; the previous file, if any, is unchanged");
}

}  // namespace

void writeFileAtomically(const fs::path& requested, std::string_view bytes) {
  // Writing through a symbolic link replaces the file it points to, not the link.
  std::error_code ec;
  fs::path file = fs::is_symlink(requested, ec) ? fs::canonical(requested, ec) : requested;
  if (ec) file = requested;
  fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec)) failWrite(requested, "the folder " + folder.string() + " does not exist");

  // The temporary file sits next to the target so that the rename stays on one file system.
  TemporaryFile temp((folder / ("." + file.filename().string() + ".tmp-XXXXXX")).string());
  if (!temp.create()) failWrite(requested, std::strerror(errno));

  struct stat existing {};
  mode_t mode = ::stat(file.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : modeForNewFile();
  if (::fchmod(temp.fd(), mode) != 0) failWrite(requested, std::strerror(errno));

  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(temp.fd(), data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failWrite(requested, n < 0 ? std::strerror(errno) : "the disk accepted no more bytes");
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(temp.fd()) != 0) failWrite(requested, std::strerror(errno));
  if (!temp.close()) failWrite(requested, std::strerror(errno));
  if (::rename(temp.path().c_str(), file.c_str()) != 0) failWrite(requested, std::strerror(errno));
  temp.keep();
}

}  // namespace nest
