#include "tests/support/case_suite.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

namespace qt::testing {
namespace {

namespace fs = std::filesystem;

// The stand-in test for a family whose files cannot run.
Case Broken(const std::string& file, const std::string& name, const std::string& problem) {
  Case c;
  c.file = file;
  c.name = name;
  c.problem = problem;
  return c;
}

// The cases of one parsed file, each with the setup records above it.
std::vector<Case> CasesOf(std::vector<Case> records, const std::set<std::string>& setup_verbs) {
  std::vector<Case> cases, givens;
  for (Case& r : records) {
    if (setup_verbs.contains(r.verb)) {
      givens.push_back(std::move(r));
      continue;
    }
    if (r.name.empty()) {
      return {Broken(
          r.file, fs::path(r.file).stem().string() + "_unnamed",
          r.file + ":" + std::to_string(r.line) + ": the case '" + r.verb + "' has no name")};
    }
    r.givens = givens;
    cases.push_back(std::move(r));
  }
  return cases;
}

}  // namespace

std::vector<Case> LoadCases(const std::string& family, const std::set<std::string>& setup_verbs) {
  const char* root = std::getenv("QIANTANG_TESTDATA");
  if (root == nullptr) {
    return {Broken(family, "no_testdata",
                   "QIANTANG_TESTDATA is not set: run the test through ctest, or set it to the "
                   "source tree's testdata folder")};
  }
  const fs::path dir = fs::path(root) / family;
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  if (error) return {Broken(dir.string(), "no_folder", dir.string() + ": " + error.message())};
  if (files.empty()) return {Broken(dir.string(), "no_files", dir.string() + ": no *.test files")};
  std::sort(files.begin(), files.end());
  std::vector<Case> all;
  for (const fs::path& file : files) {
    auto records = ReadCaseFile(file.string());
    std::vector<Case> cases =
        records.ok() ? CasesOf(std::move(*records), setup_verbs)
                     : std::vector<Case>{Broken(file.string(), file.stem().string() + "_unreadable",
                                                records.status().message())};
    if (cases.empty()) {
      cases.push_back(Broken(file.string(), file.stem().string() + "_empty",
                             file.string() + ": setup records but no cases"));
    }
    for (Case& c : cases) all.push_back(std::move(c));
  }
  return all;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  std::string name = c.problem.empty() ? fs::path(c.file).stem().string() + "_" + c.name : c.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.Where(); }

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

void CaseTest::SetUp() {
  const Case& c = GetParam();
  trace_.emplace(c.file.c_str(), c.line, c.name);
  if (!c.problem.empty()) FAIL() << c.problem;
  if (!c.skip.empty()) GTEST_SKIP() << c.skip;
}

void CaseTest::TearDown() { trace_.reset(); }

}  // namespace qt::testing
