// libFuzzer target for the ZIP and OLE2 directory readers, the part of sniffing that follows
// offsets found in the input: any bytes give names or nullopt, never a crash, a hang or a read
// out of bounds. Built only with -DWANGBAN_FUZZ under clang; in ordinary builds this file
// compiles to nothing, and SniffTest.DamagedFilesNeverCrash runs in every build.
//   clang++ -std=c++20 -DWANGBAN_FUZZ -fsanitize=fuzzer,address,undefined -Isrc \
//     src/wangban/files/internal/containers_fuzz.cpp src/wangban/files/internal/containers.cpp \
//     -o containers_fuzz
//   ./containers_fuzz -max_len=65536 CORPUS_DIR
#ifdef WANGBAN_FUZZ

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wangban/files/internal/containers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)wangban::files::internal::ZipEntryNames(bytes);
  (void)wangban::files::internal::CfbRootNames(bytes);
  return 0;
}

#endif  // WANGBAN_FUZZ
