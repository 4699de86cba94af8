// minizip over a memory buffer: minizip reads through a table of file functions, which here
// read from the caller's bytes.
#include "wangban/sheets/internal/zip_reader.hpp"

#include <unzip.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace wangban::sheets::internal {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::size_t kMaxNameBytes = 1024;

Error BadXlsx(std::string message) { return Error::BadRequest(std::move(message), "bad_xlsx"); }
Error TooLarge(std::string message) { return Error::BadRequest(std::move(message), "too_large"); }

// A read-only file over memory, for minizip's zlib_filefunc64_def.
struct MemoryFile {
  const char* data = nullptr;
  ZPOS64_T size = 0;
  ZPOS64_T position = 0;
};

MemoryFile* AsFile(voidpf stream) { return static_cast<MemoryFile*>(stream); }

voidpf OpenMemory(voidpf opaque, const void* /*filename*/, int mode) {
  if ((mode & ZLIB_FILEFUNC_MODE_READWRITEFILTER) != ZLIB_FILEFUNC_MODE_READ) return nullptr;
  AsFile(opaque)->position = 0;
  return opaque;
}

uLong ReadMemory(voidpf /*opaque*/, voidpf stream, void* buffer, uLong size) {
  MemoryFile* file = AsFile(stream);
  const ZPOS64_T count = std::min<ZPOS64_T>(size, file->size - file->position);
  std::memcpy(buffer, file->data + file->position, count);
  file->position += count;
  return static_cast<uLong>(count);
}

uLong WriteMemory(voidpf /*opaque*/, voidpf /*stream*/, const void* /*buffer*/, uLong /*size*/) { return 0; }

ZPOS64_T TellMemory(voidpf /*opaque*/, voidpf stream) { return AsFile(stream)->position; }

long SeekMemory(voidpf /*opaque*/, voidpf stream, ZPOS64_T offset, int origin) {
  MemoryFile* file = AsFile(stream);
  ZPOS64_T base = 0;
  switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
      base = 0;
      break;
    case ZLIB_FILEFUNC_SEEK_CUR:
      base = file->position;
      break;
    case ZLIB_FILEFUNC_SEEK_END:
      base = file->size;
      break;
    default:
      return -1;
  }
  if (offset > file->size - base) return -1;
  file->position = base + offset;
  return 0;
}

int CloseMemory(voidpf /*opaque*/, voidpf /*stream*/) { return 0; }

int ErrorMemory(voidpf /*opaque*/, voidpf /*stream*/) { return 0; }

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

struct ZipReader::Impl {
  MemoryFile file;  // minizip's opaque pointer points here: Impl never moves
  unzFile zip = nullptr;
  // Where each entry is, by lowercase name; the first of equal names wins. Looking entries up
  // here rather than with unzLocateFile keeps an archive of many entries from costing a scan of
  // the central directory per part read.
  std::map<std::string, unz64_file_pos, std::less<>> entries;
  std::size_t max_total_bytes = 0;
  std::size_t max_entry_bytes = 0;
  std::size_t total_bytes = 0;  // inflated so far

  ~Impl() {
    if (zip != nullptr) unzClose(zip);
  }

  Result<void> IndexEntries() {
    unz_global_info64 global{};
    if (unzGetGlobalInfo64(zip, &global) != UNZ_OK) return Fail(BadXlsx("the zip archive's directory is corrupt"));
    if (global.number_entry == 0) return {};
    std::string name(kMaxNameBytes, '\0');
    for (int rc = unzGoToFirstFile(zip); rc != UNZ_END_OF_LIST_OF_FILE; rc = unzGoToNextFile(zip)) {
      if (rc != UNZ_OK) return Fail(BadXlsx("the zip archive's directory is corrupt"));
      unz_file_info64 info{};
      if (unzGetCurrentFileInfo64(zip, &info, name.data(), name.size(), nullptr, 0, nullptr, 0) != UNZ_OK) {
        return Fail(BadXlsx("the zip archive's directory is corrupt"));
      }
      if (info.size_filename >= name.size()) continue;  // no part of an .xlsx has so long a name
      unz64_file_pos position{};
      if (unzGetFilePos64(zip, &position) != UNZ_OK) return Fail(BadXlsx("the zip archive's directory is corrupt"));
      entries.try_emplace(AsciiLower(std::string_view(name.data(), info.size_filename)), position);
    }
    return {};
  }

  // Inflates the current entry, which declares `declared` bytes, into `out`, stopping at `cap`.
  Result<void> Inflate(std::string_view name, std::size_t declared, std::size_t cap, std::string& out) {
    if (unzOpenCurrentFile(zip) != UNZ_OK) return Fail(BadXlsx("cannot open zip entry " + std::string(name)));
    out.reserve(declared);
    int n = 0;
    while (true) {
      // One byte more than the cap allows, so that an entry that is too large shows itself.
      const std::size_t room = cap - out.size();
      const std::size_t want = room >= kChunkBytes ? kChunkBytes : room + 1;
      const std::size_t old_size = out.size();
      out.resize(old_size + want);
      n = unzReadCurrentFile(zip, out.data() + old_size, static_cast<unsigned>(want));
      out.resize(old_size + static_cast<std::size_t>(std::max(n, 0)));
      if (n <= 0) break;
      if (out.size() > cap) {
        unzCloseCurrentFile(zip);
        return Fail(TooLarge("zip entry " + std::string(name) + " inflates past the limit of " + std::to_string(cap) +
                             " bytes"));
      }
    }
    const int closed = unzCloseCurrentFile(zip);
    if (n < 0) return Fail(BadXlsx("zip entry " + std::string(name) + " is corrupt"));
    if (closed == UNZ_CRCERROR) return Fail(BadXlsx("zip entry " + std::string(name) + " fails its CRC check"));
    if (out.size() != declared) {
      return Fail(BadXlsx("zip entry " + std::string(name) + " is not the size its header declares"));
    }
    return {};
  }
};

ZipReader::ZipReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZipReader::~ZipReader() = default;

Result<std::unique_ptr<ZipReader>> ZipReader::Open(std::string_view bytes, std::size_t max_total_bytes,
                                                   std::size_t max_entry_bytes) {
  auto impl = std::make_unique<Impl>();
  impl->file = MemoryFile{bytes.data(), bytes.size(), 0};
  impl->max_total_bytes = max_total_bytes;
  impl->max_entry_bytes = max_entry_bytes;
  zlib_filefunc64_def functions{OpenMemory, ReadMemory,  WriteMemory, TellMemory,
                                SeekMemory, CloseMemory, ErrorMemory, &impl->file};
  impl->zip = unzOpen2_64("memory", &functions);  // minizip copies `functions`
  if (impl->zip == nullptr) return Fail(BadXlsx("the file is not an .xlsx workbook (not a zip archive)"));
  if (auto ok = impl->IndexEntries(); !ok) return Fail(std::move(ok.error()));
  return std::unique_ptr<ZipReader>(new ZipReader(std::move(impl)));
}

Result<std::optional<std::string>> ZipReader::Read(std::string_view name) {
  const std::string entry(name);
  const auto found = impl_->entries.find(AsciiLower(name));
  if (found == impl_->entries.end()) return std::nullopt;
  if (unzGoToFilePos64(impl_->zip, &found->second) != UNZ_OK) {
    return Fail(BadXlsx("cannot find zip entry " + entry + " where the directory says it is"));
  }
  unz_file_info64 info{};
  if (unzGetCurrentFileInfo64(impl_->zip, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK) {
    return Fail(BadXlsx("cannot read the zip header of " + entry));
  }
  if ((info.flag & 1) != 0) return Fail(BadXlsx("zip entry " + entry + " is encrypted"));
  if (info.compression_method != 0 && info.compression_method != Z_DEFLATED) {
    return Fail(BadXlsx("zip entry " + entry + " uses an unsupported compression method"));
  }
  if (info.uncompressed_size > impl_->max_entry_bytes) {
    return Fail(TooLarge("zip entry " + entry + " declares " + std::to_string(info.uncompressed_size) +
                         " bytes, over the limit of " + std::to_string(impl_->max_entry_bytes)));
  }
  const std::size_t left = impl_->max_total_bytes - impl_->total_bytes;
  if (info.uncompressed_size > left) {
    return Fail(TooLarge("the workbook inflates to more than " + std::to_string(impl_->max_total_bytes) + " bytes"));
  }
  std::string out;
  const auto declared = static_cast<std::size_t>(info.uncompressed_size);
  if (auto ok = impl_->Inflate(entry, declared, std::min(left, impl_->max_entry_bytes), out); !ok) {
    return Fail(std::move(ok.error()));
  }
  impl_->total_bytes += out.size();
  return out;
}

}  // namespace wangban::sheets::internal
