// A small blocking HTTP/1.1 client over POSIX sockets for integration tests. It speaks to the
// real server and can also misbehave on purpose (slow headers, oversized bodies, raw bytes).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wangban::testing {

struct HttpResponse {
  int status = 0;  // 0 when no response arrived (connection closed, timeout)
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;

  // Case-insensitive header lookup; "" if absent.
  std::string Header(const std::string& name) const;
  // The body parsed as JSON; a JSON null if it does not parse.
  nlohmann::json Json() const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(int port, std::string host = "127.0.0.1");

  // Sends one request on a new connection (Connection: close) and reads the whole response.
  // Adds Host and Content-Length. Times out after `timeout`.
  HttpResponse Send(const HttpRequest& request,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  HttpResponse Get(const std::string& target,
                   std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpResponse Delete(const std::string& target,
                      std::vector<std::pair<std::string, std::string>> headers = {}) const;
  // JSON body with Content-Type: application/json.
  HttpResponse PostJson(const std::string& target, const nlohmann::json& body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpResponse PutJson(const std::string& target, const nlohmann::json& body,
                       std::vector<std::pair<std::string, std::string>> headers = {}) const;
  HttpResponse PatchJson(const std::string& target, const nlohmann::json& body,
                         std::vector<std::pair<std::string, std::string>> headers = {}) const;

  int port() const { return port_; }
  const std::string& host() const { return host_; }

 private:
  int port_;
  std::string host_;
};

// A raw TCP connection for misbehaving on purpose.
class RawConnection {
 public:
  // Connects; `ok()` is false if it could not.
  RawConnection(int port, std::string host = "127.0.0.1");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // Writes all bytes; false if the peer closed or reset the connection.
  bool Write(std::string_view bytes);
  // Reads one complete HTTP response (Content-Length or chunked), waiting up to `timeout`.
  // nullopt if the connection closed first or the time ran out.
  std::optional<HttpResponse> ReadResponse(std::chrono::milliseconds timeout);
  // True if the peer closed the connection (EOF or reset) within `timeout`; data received
  // meanwhile is discarded.
  bool WaitForClose(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace wangban::testing
