// TLS (OpenSSL) for the server and for node-to-node calls: the server's
// certificate, reloaded when its files change; one connection's TLS over
// memory buffers, for an event loop that owns the socket; and key pinning.
//
// A pin names a TLS key, not a certificate: base64 of the SHA-256 of the
// key's DER SubjectPublicKeyInfo, as RFC 7469's pin-sha256. A certificate
// renewed with the same key keeps its pin; a new key is a new pin.
//
// Thread-safety: ServerCertificate is safe for concurrent use; a
// TlsConnection is used by one thread at a time.
#ifndef QIANTANG_CRYPTO_TLS_H_
#define QIANTANG_CRYPTO_TLS_H_

#include <openssl/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace qt::crypto {

// kInvalidArgument unless `pin` is base64 of 32 bytes.
Status ValidateTlsPin(std::string_view pin);

// The pin of the first certificate in a PEM text; kInvalidArgument if there
// is none.
Result<std::string> TlsPinOfCertificate(std::string_view pem);

// Requires every TLS connection made with `client` to present a leaf
// certificate whose key has `pin`, instead of a chain to a trusted root (the
// peers of a federation pin each other's keys from signed descriptors; their
// certificates may be self-signed). `check` must outlive the connections;
// after a failed handshake, check->mismatch says whether the pin was the
// cause and check->seen names the key that was presented.
struct PinCheck {
  std::string pin;
  bool mismatch = false;
  std::string seen;
};
void RequirePinnedKey(SSL_CTX* client, PinCheck* check);

// The certificate chain and private key a server presents, from two PEM
// files. Reload() rereads them when either file's modification time changed;
// a reload that fails keeps the previous certificate (and says why).
class ServerCertificate {
 public:
  // kInvalidArgument naming the file if either is unreadable, not PEM, or the
  // key does not match the certificate.
  static Result<std::unique_ptr<ServerCertificate>> Load(std::filesystem::path cert_file,
                                                         std::filesystem::path key_file);
  ~ServerCertificate();
  ServerCertificate(const ServerCertificate&) = delete;
  ServerCertificate& operator=(const ServerCertificate&) = delete;

  // True if it changed the certificate; an error if the files changed but
  // could not be loaded (the previous certificate stays in use).
  Result<bool> Reload();
  // The pin of the key in use.
  std::string pin() const;
  // A context for new connections (the current certificate); the caller owns
  // one reference (SSL_CTX_free).
  SSL_CTX* NewReference() const;

 private:
  ServerCertificate(std::filesystem::path cert_file, std::filesystem::path key_file);
  Status LoadLocked();

  const std::filesystem::path cert_file_, key_file_;
  mutable std::mutex mu_;
  SSL_CTX* ctx_ = nullptr;  // guarded by mu_
  std::string pin_;         // guarded by mu_
  std::filesystem::file_time_type cert_time_{}, key_time_{};
};

// The server side of one TLS connection, over memory buffers: bytes read from
// the socket go in with Receive(), the plaintext they carry comes out, and
// every record TLS wants sent (handshake, alerts, encrypted data) waits in
// Output() for the caller to write to the socket.
class TlsConnection {
 public:
  explicit TlsConnection(const ServerCertificate& certificate);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // Takes `cipher` from the socket and appends the plaintext it completes to
  // `plain`. Returns false once the client closed TLS (close_notify).
  // kInvalidArgument if the client broke the protocol (not TLS, a failed
  // handshake, a bad record): close the connection after sending Output().
  Result<bool> Receive(std::string_view cipher, std::string& plain);
  // Encrypts `plain` into Output(). kInternal if TLS cannot (not yet
  // handshaken, or failed).
  Status Send(std::string_view plain);
  // Records waiting to be written to the socket; the caller takes them.
  std::string TakeOutput();
  bool handshake_done() const;

 private:
  SSL* ssl_ = nullptr;
};

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_TLS_H_
