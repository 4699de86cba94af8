// Names the calling thread, so that `top -H`, `ps -L`, perf and gdb tell the server's threads
// apart (wb-writer, wb-io, wb-handler, ...).
#pragma once

#include <string_view>

namespace wangban {

// Linux keeps at most 15 bytes of a thread's name; longer names are cut there.
void SetThreadName(std::string_view name);

}  // namespace wangban
