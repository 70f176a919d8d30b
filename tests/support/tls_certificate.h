// Self-signed TLS certificates for tests that run servers over HTTPS, made by
// the openssl command (Debian's openssl package) as an operator would.
#ifndef QIANTANG_TESTS_SUPPORT_TLS_CERTIFICATE_H_
#define QIANTANG_TESTS_SUPPORT_TLS_CERTIFICATE_H_

#include <gtest/gtest.h>

#include <string>

#include "tests/support/server_process.h"

namespace qt::testing {

struct TlsFiles {
  std::string cert, key;
};

// Writes `<stem>.crt` (for 127.0.0.1, valid 30 days) and `<stem>.key` (a new
// P-256 key, or `reuse_key`'s when given: a renewed certificate of the same key).
inline TlsFiles MakeCertificate(const std::string& stem, const std::string& reuse_key = "") {
  TlsFiles f{stem + ".crt", reuse_key.empty() ? stem + ".key" : reuse_key};
  std::vector<std::string> argv = {
      "openssl", "req",   "-x509",         "-nodes",  "-days",
      "30",      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-out",    f.cert};
  if (reuse_key.empty()) {
    argv.insert(argv.end(),
                {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", f.key});
  } else {
    argv.insert(argv.end(), {"-key", reuse_key});
  }
  auto r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return f;
}

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_TLS_CERTIFICATE_H_
