#include "crypto/tls.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::crypto {
namespace {

// The most recent OpenSSL error, for messages; clears the queue.
std::string OpenSslError() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "no detail";
  char text[256];
  ERR_error_string_n(last, text, sizeof text);
  return text;
}

std::string PinOf(X509* cert) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  if (n <= 0) return "";
  const Digest d = Sha256(std::span<const uint8_t>(der, static_cast<size_t>(n)));
  OPENSSL_free(der);
  return Base64Encode(d);
}

int CheckPin(X509_STORE_CTX* store, void* arg) {
  auto* check = static_cast<PinCheck*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  check->seen = leaf == nullptr ? "" : PinOf(leaf);
  check->mismatch = check->seen.empty() || check->seen != check->pin;
  if (check->mismatch) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

Result<std::filesystem::file_time_type> ModifiedAt(const std::filesystem::path& file) {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(file, ec);
  if (ec) return InvalidArgument(file.string() + ": " + ec.message());
  return t;
}

// A PEM file's bytes, read without blocking: opened non-blocking and read
// only if it is a regular file of at most 1 MiB (a FIFO would hold the
// reading thread, which is the server's event thread, until written to).
Result<std::string> ReadPemFile(const std::filesystem::path& file) {
  const int fd = open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return InvalidArgument(file.string() + ": " + std::strerror(errno));
  struct stat st {};
  std::string out;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
    close(fd);
    return InvalidArgument(file.string() + ": not a regular file of at most 1 MiB");
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = read(fd, out.data() + done, out.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  out.resize(done);
  return out;
}

// Encrypted keys are not supported: without this, OpenSSL would ask for a
// password on the terminal, holding the thread that reloads.
int NoPassword(char*, int, int, void*) { return 0; }

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
BioPtr MemoryBio(const std::string& data) {
  return {BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), &BIO_free};
}

// Puts the PEM certificate chain `pem` (the leaf first) into `ctx`.
bool UseCertificateChain(SSL_CTX* ctx, const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509* leaf = bio ? PEM_read_bio_X509_AUX(bio.get(), nullptr, NoPassword, nullptr) : nullptr;
  if (leaf == nullptr) return false;
  const bool used = SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  if (!used) return false;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
      X509_free(ca);
      return false;
    }
  }
  ERR_clear_error();  // the end of the file reads as an error
  return true;
}

bool UsePrivateKey(SSL_CTX* ctx, const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr) : nullptr;
  if (key == nullptr) return false;
  const bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1;
  EVP_PKEY_free(key);
  return used;
}

}  // namespace

Status ValidateTlsPin(std::string_view pin) {
  auto raw = Base64Decode(pin);
  if (!raw.ok() || raw->size() != 32) {
    return InvalidArgument("a TLS pin is base64 of a SHA-256 digest (44 characters)");
  }
  return OkStatus();
}

Result<std::string> TlsPinOfCertificate(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Internal("out of memory");
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return InvalidArgument("no PEM certificate: " + OpenSslError());
  std::string pin = PinOf(cert);
  X509_free(cert);
  if (pin.empty()) return InvalidArgument("the certificate's key cannot be encoded");
  return pin;
}

void RequirePinnedKey(SSL_CTX* client, PinCheck* check) {
  SSL_CTX_set_verify(client, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(client, CheckPin, check);
  SSL_CTX_set_min_proto_version(client, TLS1_2_VERSION);
}

ServerCertificate::ServerCertificate(std::filesystem::path cert_file,
                                     std::filesystem::path key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

ServerCertificate::~ServerCertificate() { SSL_CTX_free(ctx_); }

Result<std::unique_ptr<ServerCertificate>> ServerCertificate::Load(std::filesystem::path cert_file,
                                                                   std::filesystem::path key_file) {
  std::unique_ptr<ServerCertificate> c(
      new ServerCertificate(std::move(cert_file), std::move(key_file)));
  std::lock_guard lock(c->mu_);
  QT_RETURN_IF_ERROR(c->LoadLocked());
  return c;
}

Status ServerCertificate::LoadLocked() {
  QT_ASSIGN_OR_RETURN(auto cert_time, ModifiedAt(cert_file_));
  QT_ASSIGN_OR_RETURN(auto key_time, ModifiedAt(key_file_));
  QT_ASSIGN_OR_RETURN(std::string cert_pem, ReadPemFile(cert_file_));
  QT_ASSIGN_OR_RETURN(std::string key_pem, ReadPemFile(key_file_));
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Internal("cannot make a TLS context: " + OpenSslError());
  auto fail = [&](const std::string& what) {
    SSL_CTX_free(ctx);
    return InvalidArgument(what + ": " + OpenSslError());
  };
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // No session tickets: a resumed session would skip nothing we need, and
  // tickets are records written after the handshake that a client may never read.
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  if (!UseCertificateChain(ctx, cert_pem)) {
    return fail(cert_file_.string() + ": not a PEM certificate chain");
  }
  if (!UsePrivateKey(ctx, key_pem)) {
    return fail(key_file_.string() + ": not a PEM private key (unencrypted)");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return fail(key_file_.string() + ": not the key of " + cert_file_.string());
  }
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  std::string pin = leaf == nullptr ? "" : PinOf(leaf);
  if (pin.empty()) return fail(cert_file_.string() + ": its key cannot be encoded");
  SSL_CTX_free(ctx_);
  ctx_ = ctx;
  pin_ = std::move(pin);
  cert_time_ = cert_time;
  key_time_ = key_time;
  return OkStatus();
}

Result<bool> ServerCertificate::Reload() {
  std::lock_guard lock(mu_);
  auto cert_time = ModifiedAt(cert_file_);
  auto key_time = ModifiedAt(key_file_);
  if (cert_time.ok() && key_time.ok() && *cert_time == cert_time_ && *key_time == key_time_) {
    return false;
  }
  Status loaded = LoadLocked();
  if (!loaded.ok()) {
    // Not tried again until a file changes once more.
    if (cert_time.ok()) cert_time_ = *cert_time;
    if (key_time.ok()) key_time_ = *key_time;
    return loaded;
  }
  return true;
}

std::string ServerCertificate::pin() const {
  std::lock_guard lock(mu_);
  return pin_;
}

SSL_CTX* ServerCertificate::NewReference() const {
  std::lock_guard lock(mu_);
  SSL_CTX_up_ref(ctx_);
  return ctx_;
}

TlsConnection::TlsConnection(const ServerCertificate& certificate) {
  SSL_CTX* ctx = certificate.NewReference();
  ssl_ = SSL_new(ctx);
  SSL_CTX_free(ctx);  // the SSL holds its own reference
  if (ssl_ == nullptr) return;
  SSL_set_bio(ssl_, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  SSL_set_accept_state(ssl_);
}

TlsConnection::~TlsConnection() { SSL_free(ssl_); }

Result<bool> TlsConnection::Receive(std::string_view cipher, std::string& plain) {
  if (ssl_ == nullptr) return Internal("no TLS connection");
  if (!cipher.empty() &&
      BIO_write(SSL_get_rbio(ssl_), cipher.data(), static_cast<int>(cipher.size())) <= 0) {
    return Internal("out of memory");
  }
  char buf[16384];
  while (true) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plain.append(buf, static_cast<size_t>(n));
      continue;
    }
    switch (SSL_get_error(ssl_, n)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        return true;
      case SSL_ERROR_ZERO_RETURN:
        return false;
      default:
        return InvalidArgument("TLS: " + OpenSslError());
    }
  }
}

Status TlsConnection::Send(std::string_view plain) {
  if (ssl_ == nullptr || !SSL_is_init_finished(ssl_)) {
    return Internal("TLS: the handshake is not done");
  }
  while (!plain.empty()) {
    ERR_clear_error();
    const int n =
        SSL_write(ssl_, plain.data(), static_cast<int>(std::min<size_t>(plain.size(), 1 << 20)));
    if (n <= 0) return Internal("TLS: " + OpenSslError());
    plain.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

std::string TlsConnection::TakeOutput() {
  std::string out;
  if (ssl_ == nullptr) return out;
  BIO* wbio = SSL_get_wbio(ssl_);
  out.resize(BIO_ctrl_pending(wbio));
  if (out.empty()) return out;
  const int n = BIO_read(wbio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

bool TlsConnection::handshake_done() const { return ssl_ != nullptr && SSL_is_init_finished(ssl_); }

}  // namespace qt::crypto
