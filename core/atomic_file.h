// Writing a file so that it is never lost: the bytes go to a temporary file in the same folder,
// which is flushed to disk and then renamed over the target. A reader (or the user, after a crash
// or a full disk) sees either the old file whole or the new file whole, never a truncated one.
#pragma once
#include <filesystem>
#include <string_view>

namespace nest {

// Replaces `file` with `bytes`. On failure the old file is untouched, the temporary file is
// removed, and a BadInput error names the file and the reason (e.g. "No space left on device").
// A new file gets the usual permissions (0666 less the umask); an existing one keeps its own.
void writeFileAtomically(const std::filesystem::path& file, std::string_view bytes);

}  // namespace nest
