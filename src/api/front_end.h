// FrontEnd: the connection side of the HTTP server: accepts, reads and guards
// connections on one event thread, and hands complete requests to workers.
//
// Why: with a thread per connection (cpp-httplib's own accept loop), a few
// hundred connections that send nothing, or send their headers a byte at a
// time, occupy every worker and the listen backlog, and the server stops
// answering anyone (issue 19). Here a connection costs a worker only while a
// complete request is being served: one thread watches every connection with
// epoll and buffers each request until its headers and body are complete.
//
// Guards, each with a documented default (ServerOptions, `qiantang serve`):
//   - header deadline: a request's headers must arrive within header_timeout
//     of its first byte (or of the connection, for the first request); else
//     408 and close.
//   - body deadline: the body must arrive within body_timeout of the headers;
//     else 408 and close.
//   - idle keep-alive connections are closed after keep_alive_timeout.
//   - per-address cap: at most max_connections_per_address open connections
//     from one peer address (peers in `exempt`, the trusted proxies, are not
//     capped); beyond it, 503 and close at once, before reading anything.
//   - total cap: at most max_connections; beyond it, 503 and close at once.
//   - headers larger than max_header_bytes: 431 and close. A body larger than
//     max_body_bytes is not buffered: the request is served at once (the
//     serve callback answers 413) and the connection closed.
// TLS (when `tls` is set): every connection speaks TLS. Its handshake (the
// costly key exchange and signature) runs on one handshake thread, so a flood
// of handshakes holds neither the event thread nor the workers; a connection
// whose header deadline passes while it waits for that thread, or whose
// client hung up, gets no handshake. Records after the handshake are
// decrypted on the event thread into the same buffer, so the guards above
// count plaintext and the header deadline covers the handshake too. A
// connection refused before its handshake (the caps) is closed without an
// answer; one that is not TLS, fails its handshake or sends 64 KiB without
// completing it is closed (counted as malformed), and so is one that
// leaves more than 64 KiB of TLS's own records unread (a KeyUpdate storm).
// The certificate's files are checked every second and reloaded when they
// change: new connections get the new certificate, open ones keep theirs.
// Memory is bounded by the caps: a connection holds its socket and at most
// one request's bytes (max_header_bytes + max_body_bytes while it arrives),
// and with TLS its session and at most 64 KiB unsent.
//
// The `serve` callback runs on a worker with an httplib::Stream that reads the
// buffered request and writes to the socket (blocking, with a write deadline);
// it returns false if the connection must be closed. Pipelined requests are
// served in order, one at a time per connection.
//
// Thread-safety: Stop() may be called from any thread, even before Run();
// everything else from the owning thread.
//
// Example:
//   FrontEnd front(options, [&](httplib::Stream& s, bool close) { ... }, proxies, metrics);
//   QT_ASSIGN_OR_RETURN(int port, front.Bind());
//   front.Run();  // until front.Stop()
#ifndef QIANTANG_API_FRONT_END_H_
#define QIANTANG_API_FRONT_END_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/client_address.h"
#include "core/metrics.h"
#include "core/status.h"
#include "crypto/tls.h"

namespace qt::api {

struct FrontEndOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int workers = 16;
  int max_connections = 4096;
  int max_connections_per_address = 128;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds keep_alive_timeout{5'000};
  std::chrono::milliseconds write_timeout{10'000};
  size_t max_header_bytes = 64 * 1024;
  size_t max_body_bytes = size_t{8} << 20;
  crypto::ServerCertificate* tls = nullptr;  // null: plain HTTP
};

class FrontEnd {
 public:
  // Serves the one complete request `stream` holds and writes its response;
  // `close_connection` asks for "Connection: close". Returns whether the
  // connection may serve another request.
  using ServeFn = std::function<bool(httplib::Stream& stream, bool close_connection)>;

  FrontEnd(FrontEndOptions options, ServeFn serve, const TrustedProxies& exempt,
           MetricsRegistry& metrics);
  ~FrontEnd();
  FrontEnd(const FrontEnd&) = delete;
  FrontEnd& operator=(const FrontEnd&) = delete;

  // Binds and listens; returns the port.
  Result<int> Bind();
  // Serves until Stop(): then stops accepting, finishes the requests being
  // served, closes every connection and returns. REQUIRES: Bind() succeeded.
  Status Run();
  void Stop();

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace qt::api

#endif  // QIANTANG_API_FRONT_END_H_
