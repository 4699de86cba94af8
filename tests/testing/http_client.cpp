// HttpClient and RawConnection: non-blocking sockets driven by poll() against one deadline per
// call, so a server that hangs makes a test fail after its timeout instead of blocking forever.
#include "tests/testing/http_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <string_view>

namespace wangban::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Bound for RawConnection's connect and Write, which take no timeout of their own.
constexpr std::chrono::seconds kRawTimeout{30};

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

bool HasHeader(const Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
}

// Waits until `fd` is ready for `events`; false when the deadline passes first.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, RemainingMs(deadline));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

// A connected non-blocking socket, or -1 if nothing accepted the connection by the deadline.
int Connect(const std::string& host, int port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses) != 0) return -1;
  int connected = -1;
  for (addrinfo* a = addresses; a != nullptr && connected < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    bool ok = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    if (!ok && errno == EINPROGRESS && WaitFor(fd, POLLOUT, deadline)) {
      int error = 0;
      socklen_t length = sizeof error;
      ok = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
    }
    if (ok) {
      // Tests send small requests in pieces on purpose; Nagle would only add delays.
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connected = fd;
    } else {
      ::close(fd);
    }
  }
  ::freeaddrinfo(addresses);
  return connected;
}

// Sends all of `data`; false if the peer closed or reset the connection or time ran out.
bool SendAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a peer that closed early must give EPIPE, not kill the test with SIGPIPE.
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

enum class ReadResult { kData, kEof, kTimeout };

// Appends whatever arrives next to `buffer`. A reset counts as EOF: either way the peer is gone.
ReadResult ReadSome(int fd, std::string* buffer, Clock::time_point deadline) {
  char chunk[16384];
  while (true) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer->append(chunk, static_cast<size_t>(n));
      return ReadResult::kData;
    }
    if (n == 0) return ReadResult::kEof;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ReadResult::kEof;
    if (!WaitFor(fd, POLLIN, deadline)) return ReadResult::kTimeout;
  }
}

enum class ParseState { kIncomplete, kComplete, kInvalid };

// Parses a chunked body starting at `pos`; on success `*end` is just past the last trailer.
// `*retry_at` is the buffer size worth parsing again at, so large bodies are not re-scanned
// on every read.
ParseState ParseChunked(std::string_view data, size_t pos, std::string* body, size_t* end,
                        size_t* retry_at) {
  while (true) {
    const size_t line_end = data.find("\r\n", pos);
    if (line_end == std::string_view::npos) return ParseState::kIncomplete;
    std::string_view size_text = data.substr(pos, line_end - pos);
    size_text = Trim(size_text.substr(0, size_text.find(';')));  // chunk extensions ignored
    size_t size = 0;
    const auto [parsed_end, error] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || error != std::errc() ||
        parsed_end != size_text.data() + size_text.size()) {
      return ParseState::kInvalid;
    }
    pos = line_end + 2;
    if (size == 0) {
      while (true) {  // trailer fields, then an empty line
        const size_t trailer_end = data.find("\r\n", pos);
        if (trailer_end == std::string_view::npos) return ParseState::kIncomplete;
        if (trailer_end == pos) {
          *end = pos + 2;
          return ParseState::kComplete;
        }
        pos = trailer_end + 2;
      }
    }
    if (data.size() - pos < size + 2) {
      *retry_at = pos + size + 2;
      return ParseState::kIncomplete;
    }
    body->append(data.substr(pos, size));
    if (data.substr(pos + size, 2) != "\r\n") return ParseState::kInvalid;
    pos += size + 2;
  }
}

// Parses one response from the front of `data`, skipping interim 1xx responses. `eof` means
// no more bytes will come, which is what ends a body that has neither length nor chunking.
// `no_body` is for responses to HEAD.
ParseState ParseResponse(std::string_view data, bool eof, bool no_body, HttpResponse* out,
                         size_t* consumed, size_t* retry_at) {
  size_t offset = 0;
  while (true) {
    const size_t header_end = data.find("\r\n\r\n", offset);
    if (header_end == std::string_view::npos) return ParseState::kIncomplete;
    const std::string_view head = data.substr(offset, header_end - offset);
    const size_t body_start = header_end + 4;

    HttpResponse response;
    size_t line_start = 0;
    size_t line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    // "HTTP/1.1 200 OK": the code is the three digits after the first space.
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
      return ParseState::kInvalid;
    }
    const std::string_view code = status_line.substr(9, 3);
    if (std::from_chars(code.data(), code.data() + 3, response.status).ptr != code.data() + 3) {
      return ParseState::kInvalid;
    }
    while (line_end != std::string_view::npos) {
      line_start = line_end + 2;
      line_end = head.find("\r\n", line_start);
      const std::string_view line = head.substr(line_start, line_end - line_start);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return ParseState::kInvalid;
      response.headers.emplace_back(std::string(line.substr(0, colon)),
                                    std::string(Trim(line.substr(colon + 1))));
    }

    if (response.status >= 100 && response.status < 200 && response.status != 101) {
      offset = body_start;
      continue;
    }
    if (no_body || response.status == 204 || response.status == 304 || response.status == 101) {
      *consumed = body_start;
    } else if (ContainsIgnoreCase(response.Header("Transfer-Encoding"), "chunked")) {
      const ParseState state = ParseChunked(data, body_start, &response.body, consumed, retry_at);
      if (state != ParseState::kComplete) return state;
    } else if (const std::string length_text = response.Header("Content-Length");
               !length_text.empty()) {
      size_t length = 0;
      const auto [end, error] =
          std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
      if (error != std::errc() || end != length_text.data() + length_text.size()) {
        return ParseState::kInvalid;
      }
      if (data.size() - body_start < length) {
        *retry_at = body_start + length;
        return ParseState::kIncomplete;
      }
      response.body = data.substr(body_start, length);
      *consumed = body_start + length;
    } else {
      if (!eof) {
        *retry_at = SIZE_MAX;  // only EOF completes it
        return ParseState::kIncomplete;
      }
      response.body = data.substr(body_start);
      *consumed = data.size();
    }
    *out = std::move(response);
    return ParseState::kComplete;
  }
}

// Reads until one whole response has arrived and removes it from `buffer`; nullopt if the
// connection closed first, the bytes are not HTTP, or the deadline passed.
std::optional<HttpResponse> ReadOneResponse(int fd, std::string* buffer, bool no_body,
                                            Clock::time_point deadline) {
  bool eof = false;
  size_t retry_at = 0;
  while (true) {
    if (eof || buffer->size() >= retry_at) {
      retry_at = 0;
      HttpResponse response;
      size_t consumed = 0;
      switch (ParseResponse(*buffer, eof, no_body, &response, &consumed, &retry_at)) {
        case ParseState::kComplete:
          buffer->erase(0, consumed);
          return response;
        case ParseState::kInvalid:
          return std::nullopt;
        case ParseState::kIncomplete:
          if (eof) return std::nullopt;
          break;
      }
    }
    // Checked here too because a peer that never stops sending would keep ReadSome busy.
    if (Clock::now() > deadline) return std::nullopt;
    switch (ReadSome(fd, buffer, deadline)) {
      case ReadResult::kData:
        break;
      case ReadResult::kEof:
        eof = true;
        break;
      case ReadResult::kTimeout:
        return std::nullopt;
    }
  }
}

std::string SerializeRequest(const HttpRequest& request, const std::string& host, int port) {
  std::string wire = request.method + " " + request.target + " HTTP/1.1\r\n";
  // Headers the test set itself win, so a test can send a wrong Host or Content-Length.
  if (!HasHeader(request.headers, "Host")) {
    const bool ipv6 = host.find(':') != std::string::npos;
    wire += "Host: " + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "\r\n";
  }
  for (const auto& [name, value] : request.headers) wire += name + ": " + value + "\r\n";
  if (!HasHeader(request.headers, "Content-Length") &&
      !HasHeader(request.headers, "Transfer-Encoding")) {
    wire += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  if (!HasHeader(request.headers, "Connection")) wire += "Connection: close\r\n";
  wire += "\r\n";
  wire += request.body;
  return wire;
}

HttpRequest JsonRequest(std::string method, const std::string& target, const nlohmann::json& body,
                        Headers headers) {
  if (!HasHeader(headers, "Content-Type")) headers.emplace_back("Content-Type", "application/json");
  return HttpRequest{.method = std::move(method),
                     .target = target,
                     .headers = std::move(headers),
                     .body = body.dump()};
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

nlohmann::json HttpResponse::Json() const {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  // A discarded value compares oddly with everything; a plain null is what tests expect.
  if (parsed.is_discarded()) return nullptr;
  return parsed;
}

HttpClient::HttpClient(int port, std::string host) : port_(port), host_(std::move(host)) {}

HttpResponse HttpClient::Send(const HttpRequest& request, std::chrono::milliseconds timeout) const {
  const Clock::time_point deadline = Clock::now() + timeout;
  const int fd = Connect(host_, port_, deadline);
  if (fd < 0) return HttpResponse{};
  // A server may answer and close before reading all of a request it rejects (413, 431), so
  // a failed send is not the end: the response may still be waiting to be read.
  SendAll(fd, SerializeRequest(request, host_, port_), deadline);
  std::string buffer;
  std::optional<HttpResponse> response =
      ReadOneResponse(fd, &buffer, EqualsIgnoreCase(request.method, "HEAD"), deadline);
  ::close(fd);
  if (response) return *std::move(response);
  // No complete response: status stays 0 and the body carries the raw bytes that did arrive,
  // which is what a failure message should show.
  HttpResponse incomplete;
  incomplete.body = std::move(buffer);
  return incomplete;
}

HttpResponse HttpClient::Get(const std::string& target, Headers headers) const {
  return Send(HttpRequest{.method = "GET", .target = target, .headers = std::move(headers)});
}

HttpResponse HttpClient::Delete(const std::string& target, Headers headers) const {
  return Send(HttpRequest{.method = "DELETE", .target = target, .headers = std::move(headers)});
}

HttpResponse HttpClient::PostJson(const std::string& target, const nlohmann::json& body,
                                  Headers headers) const {
  return Send(JsonRequest("POST", target, body, std::move(headers)));
}

HttpResponse HttpClient::PutJson(const std::string& target, const nlohmann::json& body,
                                 Headers headers) const {
  return Send(JsonRequest("PUT", target, body, std::move(headers)));
}

HttpResponse HttpClient::PatchJson(const std::string& target, const nlohmann::json& body,
                                   Headers headers) const {
  return Send(JsonRequest("PATCH", target, body, std::move(headers)));
}

RawConnection::RawConnection(int port, std::string host)
    : fd_(Connect(host, port, Clock::now() + kRawTimeout)) {}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Write(std::string_view bytes) {
  return ok() && SendAll(fd_, bytes, Clock::now() + kRawTimeout);
}

std::optional<HttpResponse> RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
  if (!ok()) return std::nullopt;
  return ReadOneResponse(fd_, &buffer_, /*no_body=*/false, Clock::now() + timeout);
}

bool RawConnection::WaitForClose(std::chrono::milliseconds timeout) {
  // Never connected is not "the peer closed": answering true would let a test pass by accident.
  if (!ok()) return false;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    buffer_.clear();
    switch (ReadSome(fd_, &buffer_, deadline)) {
      case ReadResult::kEof:
        buffer_.clear();
        return true;
      case ReadResult::kTimeout:
        return false;
      case ReadResult::kData:
        if (Clock::now() > deadline) {
          buffer_.clear();
          return false;
        }
        break;
    }
  }
}

}  // namespace wangban::testing
