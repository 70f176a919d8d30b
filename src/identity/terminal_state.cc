#include "identity/terminal_state.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "crypto/encoding.h"
#include "identity/identity.h"

namespace qt::identity {

using nlohmann::json;

namespace {

template <size_t N>
Result<std::array<uint8_t, N>> FixedHex(const json& j, const char* what) {
  auto bytes = crypto::HexDecode(j.is_string() ? j.get<std::string>() : "");
  if (!bytes.ok() || bytes->size() != N) {
    return InvalidArgument(std::string("terminal state: ") + what + " is not " + std::to_string(N) +
                           " bytes of hex");
  }
  std::array<uint8_t, N> out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

json ReceiptJson(const ScanReceipt& r) {
  return {{"terminal_id", r.terminal_id}, {"code_id", r.code_id}, {"category", r.category},
          {"claims_read", r.claims_read}, {"result", r.result},   {"scanned_at", r.scanned_at},
          {"signature", r.signature}};
}

}  // namespace

json StateJson(const TerminalState& s) {
  json keys = json::array(), pending = json::array();
  for (const auto& [epoch, key] : s.category_keys) {
    keys.push_back({{"epoch", epoch}, {"key", crypto::HexEncode(key)}});
  }
  for (const ScanReceipt& r : s.pending) pending.push_back(ReceiptJson(r));
  return {{"server", s.server},
          {"terminal_id", s.terminal_id},
          {"category", s.category},
          {"seed", crypto::HexEncode(s.key.seed)},
          {"issuer", crypto::HexEncode(s.issuer)},
          {"trust_list", s.trust_list},
          {"revocations",
           {{"seq", s.revocations.seq},
            {"head", crypto::HexEncode(s.revocations.head)},
            {"serials", s.revocations.serials}}},
          {"category_keys", keys},
          {"seen", s.seen},
          {"pending", pending}};
}

Result<TerminalState> ParseState(const json& j) {
  TerminalState s;
  try {
    s.server = j.at("server").get<std::string>();
    s.terminal_id = j.at("terminal_id").get<std::string>();
    s.category = j.at("category").get<std::string>();
    QT_ASSIGN_OR_RETURN(auto seed, FixedHex<32>(j.at("seed"), "seed"));
    s.key = crypto::SigningKeyFromSeed(seed);
    QT_ASSIGN_OR_RETURN(s.issuer, FixedHex<32>(j.at("issuer"), "issuer"));
    s.trust_list = j.at("trust_list");
    const json& rev = j.at("revocations");
    s.revocations.seq = rev.at("seq").get<int64_t>();
    QT_ASSIGN_OR_RETURN(s.revocations.head, FixedHex<32>(rev.at("head"), "revocations.head"));
    s.revocations.serials = rev.at("serials").get<std::set<std::string>>();
    for (const json& k : j.at("category_keys")) {
      QT_ASSIGN_OR_RETURN(s.category_keys[k.at("epoch").get<uint32_t>()],
                          FixedHex<32>(k.at("key"), "key"));
    }
    s.seen = j.at("seen").get<std::map<std::string, int64_t>>();
    for (const json& r : j.at("pending")) {
      s.pending.push_back({r.at("terminal_id"), r.at("code_id"), r.at("category"),
                           r.at("claims_read").get<std::vector<std::string>>(), r.at("result"),
                           r.at("scanned_at").get<int64_t>(), r.at("signature")});
    }
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("terminal state: malformed: ") + e.what());
  }
  if (FindCategory(s.category) == nullptr)
    return InvalidArgument("terminal state: unknown category");
  return s;
}

Result<TerminalState> LoadState(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read the terminal file " + path);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return InvalidArgument(path + ": not JSON");
  return ParseState(j);
}

Status SaveState(const TerminalState& state, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return InvalidArgument("cannot write " + tmp);
    chmod(tmp.c_str(), 0600);
    out << StateJson(state).dump(1) << "\n";
    if (!out.flush()) return Internal("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Internal("cannot replace " + path + ": " + ec.message());
  return OkStatus();
}

Result<std::unique_ptr<Verifier>> LoadVerifier(const TerminalState& state) {
  auto v = std::make_unique<Verifier>(*FindCategory(state.category));
  if (!state.trust_list.is_null()) {
    QT_ASSIGN_OR_RETURN(TrustList list, ReadTrustList(state.trust_list, state.issuer));
    v->SetTrustList(std::move(list));
  }
  v->revocations() = state.revocations;
  v->SetCategoryKeys(state.category_keys);
  for (const auto& [id, exp] : state.seen) v->Remember(id, exp);
  return v;
}

void SaveVerifier(const Verifier& verifier, TerminalState& state) { state.seen = verifier.seen(); }

Result<ScanReceipt> SignReceipt(const TerminalState& state, const std::string& code_id,
                                std::vector<std::string> claims_read, const std::string& result,
                                int64_t scanned_at) {
  ScanReceipt r{.terminal_id = state.terminal_id,
                .code_id = code_id,
                .category = state.category,
                .claims_read = std::move(claims_read),
                .result = result,
                .scanned_at = scanned_at,
                .signature = ""};
  QT_ASSIGN_OR_RETURN(std::string bytes, ReceiptBytes(r));
  r.signature = crypto::Base64Encode(crypto::Sign(
      state.key, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
  return r;
}

}  // namespace qt::identity
