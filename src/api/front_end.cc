#include "api/front_end.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "api/errors.h"
#include "crypto/tls.h"

namespace qt::api {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// kDraining: answered and half-closed; what the client still sends (the rest
// of an oversized body) is read and dropped until it closes or the body
// deadline passes, so that closing does not reset the answer away.
// kHandshake: TLS handshake work for it is queued on, or running on, the
// handshake thread.
enum class Phase { kIdle, kHead, kBody, kBusy, kDraining, kHandshake };

// One connection. Owned by the event thread, except while kBusy, when one
// worker owns it until it hands it back, and while kHandshake, when the
// handshake thread does.
struct Conn {
  int fd = -1;
  std::string peer;  // canonical address text
  int peer_port = 0;
  std::string local;
  int local_port = 0;
  std::string buf;  // received and not yet served
  Phase phase = Phase::kIdle;
  Clock::time_point deadline;
  bool first_request = true;
  // The request being read.
  size_t head_len = 0;          // headers and the blank line, once complete
  bool chunked = false;         // else content_length
  uint64_t content_length = 0;  // declared
  size_t chunk_scan = 0;        // chunked: end of the complete chunks seen
  uint64_t chunked_body = 0;    // chunked: data bytes in them
  bool sent_continue = false;   // "100 Continue" already written
  size_t request_len = 0;       // the whole request, once complete
  bool close_after = false;     // serve, then close (oversized body)
  bool keep = true;             // set by the worker
  bool peer_ended = false;      // the peer closed its side
  // TLS (null for plain HTTP): `buf` holds the plaintext; `unsent` what the
  // event thread could not write yet (handshake records, refusals).
  std::unique_ptr<crypto::TlsConnection> tls;
  std::string unsent;
  std::string cipher_in;          // TLS bytes for the handshake thread
  bool handshake_failed = false;  // set by the handshake thread
};

// What a client may send before its TLS handshake is done (a ClientHello is
// a few KiB).
constexpr size_t kMaxHandshakeBytes = 64 * 1024;

bool OwnedElsewhere(const Conn& c) {
  return c.phase == Phase::kBusy || c.phase == Phase::kHandshake;
}

// What a connection may leave unread of what TLS answers on its own
// (handshake records, KeyUpdates) before it is closed.
constexpr size_t kMaxUnsent = 64 * 1024;

// Writes what the socket takes now, without waiting; the rest stays in `unsent`.
void Flush(Conn& c) {
  while (!c.unsent.empty()) {
    ssize_t n = send(c.fd, c.unsent.data(), c.unsent.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) return;
    c.unsent.erase(0, static_cast<size_t>(n));
  }
}

// Sends `plain` from the event thread (encrypted on a TLS connection), as
// far as the socket takes it now.
void SendNow(Conn& c, std::string_view plain) {
  if (c.tls == nullptr) {
    c.unsent.append(plain);
  } else if (c.tls->handshake_done() && c.tls->Send(plain).ok()) {
    c.unsent += c.tls->TakeOutput();
  }
  Flush(c);
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    default:
      return "Service Unavailable";
  }
}

// A whole response written by the front end itself (refusals, deadlines), in
// the API's error format, always closing the connection.
std::string RefusalResponse(int status, const Status& error) {
  const std::string body = ErrorBody(error);
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n";
  if (status == 503) out += "Retry-After: 1\r\n";
  return out + "\r\n" + body;
}

// The buffered request as httplib reads it, and the socket it writes to.
class BufferedStream : public httplib::Stream {
 public:
  BufferedStream(Conn& c, milliseconds write_timeout)
      : c_(c), write_timeout_(write_timeout), write_deadline_(Clock::now() + 6 * write_timeout) {}

  bool is_readable() const override { return pos_ < c_.request_len; }
  bool is_writable() const override {
    pollfd p{c_.fd, POLLOUT, 0};
    return poll(&p, 1, static_cast<int>(write_timeout_.count())) > 0 &&
           (p.revents & (POLLERR | POLLHUP)) == 0;
  }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, c_.request_len - pos_);
    std::memcpy(ptr, c_.buf.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    if (c_.sent_continue && !swallowed_continue_ && std::string_view(ptr, size) == kContinue) {
      swallowed_continue_ = true;  // the front end already sent it
      return static_cast<ssize_t>(size);
    }
    if (c_.tls != nullptr) {
      if (!c_.tls->Send(std::string_view(ptr, size)).ok()) return -1;
      c_.unsent += c_.tls->TakeOutput();
    } else if (c_.unsent.empty()) {
      return SendAll(ptr, size) ? static_cast<ssize_t>(size) : -1;
    } else {
      c_.unsent.append(ptr, size);
    }
    std::string out;
    out.swap(c_.unsent);
    return SendAll(out.data(), out.size()) ? static_cast<ssize_t>(size) : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.peer;
    port = c_.peer_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.local;
    port = c_.local_port;
  }
  socket_t socket() const override { return c_.fd; }

  size_t consumed() const { return pos_; }

 private:
  // Writes all of `ptr`, waiting for the socket within the write deadline.
  bool SendAll(const char* ptr, size_t size) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = send(c_.fd, ptr + done, size - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
      // A reader that stops reading holds a worker for write_timeout without
      // progress, or six times that in all, never longer.
      const auto left = std::min(
          write_timeout_, std::chrono::duration_cast<milliseconds>(write_deadline_ - Clock::now()));
      pollfd p{c_.fd, POLLOUT, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    }
    return true;
  }

  Conn& c_;
  milliseconds write_timeout_;
  Clock::time_point write_deadline_;
  size_t pos_ = 0;
  bool swallowed_continue_ = false;
};

void AddressOf(const sockaddr_storage& ss, std::string& ip, int& port) {
  char host[NI_MAXHOST] = {};
  char serv[NI_MAXSERV] = {};
  getnameinfo(reinterpret_cast<const sockaddr*>(&ss), sizeof ss, host, sizeof host, serv,
              sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
  auto a = IpAddress::Parse(host);
  ip = a ? a->ToString() : host;
  port = std::atoi(serv);
}

}  // namespace

struct FrontEnd::Loop {
  FrontEndOptions options;
  ServeFn serve;
  const TrustedProxies& exempt;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::atomic<bool> stopping{false};
  std::unique_ptr<httplib::ThreadPool> workers;
  // TLS handshakes (key exchange and signature) run on their own thread, so
  // a flood of them does not hold the event thread or the workers; a
  // connection whose header deadline passed while it waited there is closed
  // without its handshake.
  std::unique_ptr<httplib::ThreadPool> handshakers;

  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  std::unordered_map<std::string, int> per_address;
  Clock::time_point accept_paused_until{};
  bool accept_paused = false;

  std::mutex returned_mu;
  std::vector<Conn*> returned;    // handed back by workers
  std::vector<Conn*> handshaken;  // handed back by the handshake thread

  Counter& accepted;
  Counter& refused_total;
  Counter& refused_address;
  Counter& header_timeouts;
  Counter& body_timeouts;
  Counter& bad_requests;
  Counter& idle_closes;

  Loop(FrontEndOptions o, ServeFn s, const TrustedProxies& e, MetricsRegistry& m)
      : options(std::move(o)),
        serve(std::move(s)),
        exempt(e),
        accepted(Connections(m, "accepted")),
        refused_total(Connections(m, "refused_server_full")),
        refused_address(Connections(m, "refused_address_full")),
        header_timeouts(Connections(m, "header_timeout")),
        body_timeouts(Connections(m, "body_timeout")),
        bad_requests(Connections(m, "malformed")),
        idle_closes(Connections(m, "idle_closed")) {
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }

  ~Loop() {
    for (auto& [fd, c] : conns) close(fd);
    if (listen_fd >= 0) close(listen_fd);
    if (epoll_fd >= 0) close(epoll_fd);
    if (wake_fd >= 0) close(wake_fd);
  }

  static Counter& Connections(MetricsRegistry& m, const std::string& outcome) {
    return m.GetCounter("qiantang_http_connections_total",
                        "HTTP connections by outcome (the front end's guards)",
                        {{"outcome", outcome}});
  }

  void Wake() {
    uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof one);
  }

  void Watch(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }

  void CloseConn(Conn* c) {
    // No TLS close_notify: answers are framed by their length, and a client
    // that finds an alert waiting on an idle connection (cpp-httplib) takes
    // it for alive and writes its next request into the void.
    if (!OwnedElsewhere(*c)) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    auto it = per_address.find(c->peer);
    if (it != per_address.end() && --it->second <= 0) per_address.erase(it);
    const int fd = c->fd;
    close(fd);
    conns.erase(fd);
  }

  // Writes a refusal and closes: the connection may have sent more, which is
  // read and dropped first so the close does not reset the answer away.
  static void Refuse(int fd, int status, const Status& error) {
    char sink[4096];
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    const std::string r = RefusalResponse(status, error);
    (void)!send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(fd, SHUT_WR);
  }

  void RefuseConn(Conn* c, int status, const Status& error, Counter& counter) {
    counter.Increment();
    if (c->tls == nullptr) {
      Refuse(c->fd, status, error);
    } else {
      SendNow(*c, RefusalResponse(status, error));  // nothing before the handshake
    }
    CloseConn(c);
  }

  void Accept(Clock::time_point now) {
    for (int i = 0; i < 256; ++i) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      int fd =
          accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop accepting for a moment rather than spin.
          spdlog::warn("cannot accept connections: {} (open: {})", std::strerror(errno),
                       conns.size());
          epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
          accept_paused = true;
          accept_paused_until = now + milliseconds(100);
        }
        return;
      }
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      AddressOf(ss, c->peer, c->peer_port);
      // Refused before a TLS handshake, a connection is closed without an
      // answer: there is no way to send one it could read.
      if (conns.size() >= static_cast<size_t>(options.max_connections)) {
        refused_total.Increment();
        if (options.tls == nullptr) {
          Refuse(fd, 503, Unavailable("the server is at its connection limit; try again shortly"));
        }
        close(fd);
        continue;
      }
      int& mine = per_address[c->peer];
      if (mine >= options.max_connections_per_address && !exempt.Contains(c->peer)) {
        refused_address.Increment();
        if (options.tls == nullptr) {
          Refuse(fd, 503, Unavailable("too many connections from your address; close some first"));
        }
        close(fd);
        continue;
      }
      ++mine;
      sockaddr_storage local{};
      socklen_t local_len = sizeof local;
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
      AddressOf(local, c->local, c->local_port);
      int on = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      c->deadline = now + options.header_timeout;  // the TLS handshake too
      if (options.tls != nullptr) c->tls = std::make_unique<crypto::TlsConnection>(*options.tls);
      accepted.Increment();
      Watch(fd);
      conns.emplace(fd, std::move(c));
    }
  }

  // Reads what the socket has, up to what the request being read may need.
  void Read(Conn* c, Clock::time_point now) {
    char chunk[16384];
    if (c->phase == Phase::kDraining) {
      for (int i = 0; i < 16; ++i) {
        ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        CloseConn(c);  // the client is done
        return;
      }
      return;  // more next time
    }
    if (c->tls != nullptr && !c->tls->handshake_done()) {
      ReadHandshake(c);
      return;
    }
    bool ended = false;  // closed by the peer (perhaps after a whole request), or failed
    for (int i = 0; i < 4; ++i) {
      ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        if (c->tls == nullptr) {
          c->buf.append(chunk, static_cast<size_t>(n));
          continue;
        }
        auto open = c->tls->Receive(std::string_view(chunk, static_cast<size_t>(n)), c->buf);
        c->unsent += c->tls->TakeOutput();  // handshake records, or an alert
        Flush(*c);
        // Not TLS, a failed handshake, or a client that makes TLS answer
        // (KeyUpdate requests) without reading the answers.
        if (!open.ok() || c->unsent.size() > kMaxUnsent) {
          bad_requests.Increment();
          CloseConn(c);
          return;
        }
        if (!*open) {
          ended = true;
          break;
        }
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      ended = true;
      break;
    }
    if (!Advance(c, now)) return;
    if (ended) {
      if (c->phase == Phase::kBusy) {
        c->peer_ended = true;  // answer the request, then close
      } else {
        CloseConn(c);
      }
    }
  }

  // Before the TLS handshake is done: gathers what came and hands it to the
  // handshake thread. A client that already left gets no handshake (a flood
  // of ClientHellos that hang up costs no key exchange).
  void ReadHandshake(Conn* c) {
    // At most kMaxHandshakeBytes at a time: what the client sends on (its
    // request right after its Finished) stays in the socket for later.
    char chunk[16384];
    bool ended = false;
    while (c->cipher_in.size() < kMaxHandshakeBytes) {
      ssize_t n =
          recv(c->fd, chunk, std::min(sizeof chunk, kMaxHandshakeBytes - c->cipher_in.size()), 0);
      if (n > 0) {
        c->cipher_in.append(chunk, static_cast<size_t>(n));
        continue;
      }
      ended = !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
      break;
    }
    if (ended) {
      CloseConn(c);
      return;
    }
    if (c->cipher_in.empty()) return;
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    c->phase = Phase::kHandshake;
    handshakers->enqueue([this, c] {
      if (Clock::now() < c->deadline) {
        std::string cipher;
        cipher.swap(c->cipher_in);
        auto open = c->tls->Receive(cipher, c->buf);
        c->unsent += c->tls->TakeOutput();
        Flush(*c);
        // 64 KiB that did not finish a handshake are not a handshake.
        c->handshake_failed = !open.ok() || !*open ||
                              (cipher.size() >= kMaxHandshakeBytes && !c->tls->handshake_done());
      } else {
        c->handshake_failed = true;  // too late: its deadline passed in the queue
      }
      {
        std::lock_guard lock(returned_mu);
        handshaken.push_back(c);
      }
      Wake();
    });
  }

  // Moves the request being read forward; dispatches it once complete.
  // Returns false if it closed (and freed) the connection.
  bool Advance(Conn* c, Clock::time_point now) {
    if (c->phase == Phase::kIdle) {
      if (c->buf.empty()) return true;
      c->phase = Phase::kHead;
      if (!c->first_request) c->deadline = now + options.header_timeout;
    }
    if (c->phase == Phase::kHead) {
      const size_t end = c->buf.find("\r\n\r\n");
      if (end == std::string::npos || end + 4 > options.max_header_bytes) {
        if (c->buf.size() > options.max_header_bytes) {
          RefuseConn(c, 431, InvalidArgument("request headers are larger than the server's limit"),
                     bad_requests);
          return false;
        }
        return true;
      }
      c->head_len = end + 4;
      if (Status s = ParseHead(c); !s.ok()) {
        RefuseConn(c, 400, s, bad_requests);
        return false;
      }
      c->phase = Phase::kBody;
      c->deadline = now + options.body_timeout;
    }
    if (c->phase != Phase::kBody) return true;
    if (c->chunked) {
      if (Status s = ScanChunks(c); !s.ok()) {
        RefuseConn(c, 400, s, bad_requests);
        return false;
      }
    } else if (c->content_length > options.max_body_bytes) {
      c->request_len = c->head_len;  // answered 413 without reading the body
      c->close_after = true;
    } else if (c->buf.size() >= c->head_len + c->content_length) {
      c->request_len = c->head_len + c->content_length;
    }
    if (c->request_len == 0) {
      MaybeSendContinue(c);
      return true;
    }
    Dispatch(c);
    return true;
  }

  // Finds the framing of the body: Content-Length or chunked, nothing else.
  Status ParseHead(Conn* c) {
    std::string_view head(c->buf.data(), c->head_len - 4);
    c->chunked = false;
    c->content_length = 0;
    c->chunk_scan = c->head_len;
    c->chunked_body = 0;
    c->sent_continue = false;
    bool has_length = false;
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos) {
      pos += 2;
      size_t eol = head.find("\r\n", pos);
      std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
      pos = eol;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = TrimSpaces(line.substr(0, colon));
      std::string_view value = TrimSpaces(line.substr(colon + 1));
      if (EqualsNoCase(name, "Content-Length")) {
        uint64_t n = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
            (has_length && n != c->content_length)) {
          return InvalidArgument("Content-Length: must be one non-negative integer");
        }
        has_length = true;
        c->content_length = n;
      } else if (EqualsNoCase(name, "Transfer-Encoding")) {
        if (!EqualsNoCase(value, "chunked") || c->chunked) {
          return InvalidArgument("Transfer-Encoding: only 'chunked' is supported");
        }
        c->chunked = true;
      }
    }
    if (c->chunked && has_length) {
      return InvalidArgument("a request must not carry both Content-Length and Transfer-Encoding");
    }
    return OkStatus();
  }

  // Chunked bodies: advances over complete chunks; sets request_len at the
  // last chunk and its trailers. Beyond max_body_bytes, the request is served
  // with what came (the server answers 413) and the connection closed.
  Status ScanChunks(Conn* c) {
    const std::string& b = c->buf;
    while (true) {
      size_t eol = b.find("\r\n", c->chunk_scan);
      if (eol == std::string::npos) {
        if (b.size() - c->chunk_scan > 1024) return InvalidArgument("malformed chunk size line");
        return OkStatus();
      }
      std::string_view line(b.data() + c->chunk_scan, eol - c->chunk_scan);
      line = TrimSpaces(line.substr(0, line.find(';')));
      uint64_t size = 0;
      auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
      if (line.empty() || ec != std::errc() || ptr != line.data() + line.size()) {
        return InvalidArgument("malformed chunk size line");
      }
      if (size == 0) {  // trailers, then a blank line
        size_t at = eol + 2;
        while (true) {
          size_t end = b.find("\r\n", at);
          if (end == std::string::npos) return OkStatus();
          if (end == at) {
            c->request_len = end + 2;
            return OkStatus();
          }
          at = end + 2;
        }
      }
      if (c->chunked_body + size > options.max_body_bytes) {
        c->request_len = b.size();
        c->close_after = true;
        return OkStatus();
      }
      if (b.size() < eol + 2 + size + 2) return OkStatus();
      if (b.compare(eol + 2 + size, 2, "\r\n") != 0) return InvalidArgument("malformed chunk");
      c->chunked_body += size;
      c->chunk_scan = eol + 2 + size + 2;
    }
  }

  void MaybeSendContinue(Conn* c) {
    if (c->sent_continue) return;
    std::string_view head(c->buf.data(), c->head_len);
    for (size_t at = head.find("\r\n"); at != std::string_view::npos;
         at = head.find("\r\n", at + 2)) {
      std::string_view line = head.substr(at + 2, head.find("\r\n", at + 2) - at - 2);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos &&
          EqualsNoCase(TrimSpaces(line.substr(0, colon)), "Expect") &&
          EqualsNoCase(TrimSpaces(line.substr(colon + 1)), "100-continue")) {
        SendNow(*c, "HTTP/1.1 100 Continue\r\n\r\n");
        c->sent_continue = true;
        return;
      }
    }
  }

  void Dispatch(Conn* c) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    c->phase = Phase::kBusy;
    const bool close_connection = c->close_after || stopping;
    workers->enqueue([this, c, close_connection] {
      BufferedStream stream(*c, options.write_timeout);
      bool keep = serve(stream, close_connection);
      // A request httplib read differently from how it was framed here must
      // not decide where the next one starts.
      c->keep = keep && !close_connection && stream.consumed() == c->request_len;
      {
        std::lock_guard lock(returned_mu);
        returned.push_back(c);
      }
      Wake();
    });
  }

  void TakeBack(Clock::time_point now) {
    uint64_t n;
    (void)!::read(wake_fd, &n, sizeof n);
    std::vector<Conn*> back, shaken;
    {
      std::lock_guard lock(returned_mu);
      back.swap(returned);
      shaken.swap(handshaken);
    }
    for (Conn* c : shaken) {
      if (c->handshake_failed || stopping) {
        bad_requests.Increment();
        CloseConn(c);  // still kHandshake: not watched
        continue;
      }
      c->phase = Phase::kIdle;
      Watch(c->fd);
      (void)Advance(c, now);  // the first request may have come with the handshake
    }
    for (Conn* c : back) {
      if (c->close_after && !c->peer_ended && !stopping) {
        shutdown(c->fd, SHUT_WR);
        c->buf.clear();
        c->phase = Phase::kDraining;
        c->deadline = now + options.body_timeout;
        Watch(c->fd);
        continue;
      }
      if (!c->keep || c->peer_ended || stopping) {
        CloseConn(c);  // still kBusy: not watched
        continue;
      }
      c->buf.erase(0, c->request_len);
      c->phase = Phase::kIdle;
      c->first_request = false;
      c->head_len = c->request_len = 0;
      c->close_after = false;
      c->deadline = now + options.keep_alive_timeout;
      Watch(c->fd);
      (void)Advance(c, now);  // a pipelined request may be complete already
    }
  }

  void Sweep(Clock::time_point now) {
    std::vector<Conn*> expired;
    for (auto& [fd, c] : conns) {
      if (OwnedElsewhere(*c)) continue;
      Flush(*c);
      if (c->deadline <= now) expired.push_back(c.get());
    }
    for (Conn* c : expired) {
      if (c->phase == Phase::kHead) {
        RefuseConn(c, 408, InvalidArgument("request headers did not arrive in time"),
                   header_timeouts);
      } else if (c->phase == Phase::kBody) {
        RefuseConn(c, 408, InvalidArgument("request body did not arrive in time"), body_timeouts);
      } else {
        idle_closes.Increment();
        CloseConn(c);  // idle: never sent a request, or keep-alive between requests
      }
    }
  }
};

FrontEnd::FrontEnd(FrontEndOptions options, ServeFn serve, const TrustedProxies& exempt,
                   MetricsRegistry& metrics)
    : loop_(std::make_unique<Loop>(std::move(options), std::move(serve), exempt, metrics)) {}

FrontEnd::~FrontEnd() = default;

Result<int> FrontEnd::Bind() {
  Loop& l = *loop_;
  const std::string where = l.options.host + ":" + std::to_string(l.options.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(l.options.host.c_str(), std::to_string(l.options.port).c_str(), &hints, &found) !=
      0) {
    return Unavailable("cannot listen on " + where + " (not an address of this machine)");
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) {
    return Unavailable("cannot listen on " + where +
                       " (in use, or not an address of this machine)");
  }
  l.listen_fd = fd;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  std::string ip;
  int port = 0;
  AddressOf(ss, ip, port);
  return port;
}

Status FrontEnd::Run() {
  Loop& l = *loop_;
  l.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (l.epoll_fd < 0 || l.wake_fd < 0) return Internal("cannot create the event loop");
  l.workers = std::make_unique<httplib::ThreadPool>(static_cast<size_t>(l.options.workers));
  l.handshakers = std::make_unique<httplib::ThreadPool>(1);
  l.Watch(l.listen_fd);
  l.Watch(l.wake_fd);
  std::vector<epoll_event> events(512);
  auto next_sweep = Clock::now();
  auto next_reload = Clock::now();
  while (!l.stopping) {
    int n = epoll_wait(l.epoll_fd, events.data(), static_cast<int>(events.size()), 50);
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == l.listen_fd) {
        l.Accept(now);
      } else if (fd == l.wake_fd) {
        l.TakeBack(now);
      } else if (auto it = l.conns.find(fd); it != l.conns.end() && !OwnedElsewhere(*it->second)) {
        l.Read(it->second.get(), now);
      }
    }
    if (l.accept_paused && now >= l.accept_paused_until) {
      l.accept_paused = false;
      l.Watch(l.listen_fd);
    }
    if (now >= next_sweep) {
      l.Sweep(now);
      next_sweep = now + milliseconds(100);
    }
    if (l.options.tls != nullptr && now >= next_reload) {
      // New connections get a certificate whose files changed; open ones keep theirs.
      auto reloaded = l.options.tls->Reload();
      if (!reloaded.ok()) {
        spdlog::error("TLS certificate not reloaded, the previous one stays: {}",
                      reloaded.status().ToString());
      } else if (*reloaded) {
        spdlog::info("TLS certificate reloaded (key pin {})", l.options.tls->pin());
      }
      next_reload = now + std::chrono::seconds(1);
    }
  }
  // Stop: no new connections, finish the requests being served, close all.
  close(l.listen_fd);
  l.listen_fd = -1;
  l.workers->shutdown();
  l.handshakers->shutdown();
  l.TakeBack(Clock::now());
  std::vector<Conn*> rest;
  for (auto& [fd, c] : l.conns) rest.push_back(c.get());
  for (Conn* c : rest) l.CloseConn(c);
  return OkStatus();
}

void FrontEnd::Stop() {
  loop_->stopping = true;
  loop_->Wake();
}

}  // namespace qt::api
