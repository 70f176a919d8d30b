// The console's static files (issue 19, section 5).
//
// The attack: names that mean something else once decoded. "/app.js%00.html"
// decodes to a name the file system truncates at the NUL, so the server sent
// app.js labelled text/html; "%2e%2e" and "%2f" smuggle traversal past checks
// made on the encoded form. Every response must also tell browsers not to
// sniff types, and the pages must forbid inline script and framing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

struct Raw {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// Sends `target` exactly as written (no client re-encodes it).
Raw Get(int port, const std::string& target, const std::string& method = "GET") {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  Raw r;
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return r;
  }
  const std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string all;
  char buf[8192];
  pollfd p{fd, POLLIN, 0};
  while (poll(&p, 1, 5000) > 0) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t end = all.find("\r\n\r\n");
  if (!all.starts_with("HTTP/1.1 ") || end == std::string::npos) return r;
  r.status = std::atoi(all.c_str() + 9);
  r.head = all.substr(0, end);
  r.body = all.substr(end + 4);
  return r;
}

std::string Header(const Raw& r, const std::string& name) {
  std::smatch m;
  std::regex re("\r\n" + name + ": ([^\r]*)", std::regex::icase);
  return std::regex_search(r.head, m, re) ? m[1].str() : "";
}

class StaticFiles : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()); }
  void TearDown() override { EXPECT_EQ(server_.Stop(), 0); }
  TempDir dir_;
  ServerProcess server_{dir_.path().string()};
};

TEST_F(StaticFiles, EncodedAndTraversalNamesAreRefused) {
  ASSERT_EQ(Get(server_.port(), "/app.js").status, 200);
  for (const char* target :
       {"/app.js%00.html", "/app.js%00", "/app%2ejs", "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd", "/vendor%2fpreact.module.js", "/%2fetc/passwd", "/app.js%20",
        "/.git/config", "/vendor/../app.js", "/app.js\\..\\index.html", "/app.js%5c"}) {
    Raw r = Get(server_.port(), target);
    EXPECT_EQ(r.status, 400) << target << "\n" << r.head;
    EXPECT_EQ(Header(r, "Content-Type"), "application/json") << target;
    EXPECT_NE(r.body.find(R"({"error":{"code":"invalid_argument")"), std::string::npos) << target;
  }
}

TEST_F(StaticFiles, EveryResponseSaysNoSniff) {
  for (const char* target : {"/", "/app.js", "/style.css", "/favicon.ico", "/healthz",
                             "/api/v1/orgs", "/no-such-file.js", "/app.js%00.html", "/metrics"}) {
    Raw r = Get(server_.port(), target);
    EXPECT_NE(r.status, 0) << target;
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff") << target << "\n" << r.head;
  }
}

TEST_F(StaticFiles, PagesForbidInlineScriptAndFraming) {
  for (const char* page : {"/", "/index.html", "/citizen.html", "/verify.html"}) {
    Raw r = Get(server_.port(), page);
    ASSERT_EQ(r.status, 200) << page;
    const std::string csp = Header(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << page << ": " << csp;
    // Scripts from this origin only; WebAssembly may compile (the browser's
    // PSI), JavaScript may not be evaluated or written inline.
    EXPECT_NE(csp.find("script-src 'self' 'wasm-unsafe-eval';"), std::string::npos)
        << page << ": " << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << page << ": " << csp;
    EXPECT_EQ(csp.find("'unsafe-"), std::string::npos) << page << ": " << csp;
    EXPECT_EQ(Header(r, "X-Frame-Options"), "DENY") << page;
    // Nothing inline the policy would block: every script is a file.
    std::regex script("<script([^>]*)>([^<]*)</script>");
    for (std::sregex_iterator it(r.body.begin(), r.body.end(), script), end; it != end; ++it) {
      EXPECT_NE((*it)[1].str().find("src="), std::string::npos) << page << ": " << it->str();
      EXPECT_EQ((*it)[2].str().find_first_not_of(" \n"), std::string::npos) << page;
    }
  }
  // Page files of the console folder are all covered above.
  int pages = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::getenv("QIANTANG_WEB_DIR"))) {
    pages += e.path().extension() == ".html";
  }
  EXPECT_EQ(pages, 3);
}

TEST_F(StaticFiles, FaviconIsAnIcon) {
  Raw r = Get(server_.port(), "/favicon.ico");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(Header(r, "Content-Type").starts_with("image/")) << r.head;
  EXPECT_EQ(r.body.substr(0, 4), std::string("\0\0\1\0", 4));
}

}  // namespace
}  // namespace qt::testing
