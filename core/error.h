// Errors raised by the compiler core. Each carries a category so that faces
// (CLI exit codes, GUI dialogs) can react without parsing messages.
#pragma once
#include <stdexcept>
#include <string>

namespace nest {

enum class ErrorKind {
  BadInput,     // malformed model or file, wrong shape, missing file
  Unsupported,  // valid input that this compiler does not handle (yet)
  Internal,     // a bug: an invariant of the compiler was broken
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void failBadInput(const std::string& msg) { throw Error(ErrorKind::BadInput, msg); }
[[noreturn]] inline void failUnsupported(const std::string& msg) { throw Error(ErrorKind::Unsupported, msg); }
[[noreturn]] inline void failInternal(const std::string& msg) { throw Error(ErrorKind::Internal, msg); }

}  // namespace nest
