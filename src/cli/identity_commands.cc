// `qiantang code ...`: citizen and talent codes. Authorities enrol, import,
// set talent status, revoke and print static cards; a citizen (with the app
// token as --token) gets a dynamic code and reads the scan log; a service
// organisation registers terminals. A terminal is a local file: `code
// terminal register` makes its key, `code terminal sync` fetches the signed
// lists and its category key, `code verify` checks a code offline and keeps a
// signed receipt, `code receipts upload` sends the receipts.
#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "core/clock.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/recipient_box.h"
#include "identity/register_csv.h"
#include "identity/terminal_state.h"

namespace qt::cli {
namespace {

using nlohmann::json;
using namespace identity;

struct CodeFlags {
  std::string name, resident_id, district, concession = "none", id, category, until, reason;
  std::string png, file, tokens_out, terminal, code, now, alg = "EdDSA";
  std::string org, owner, delegate, authority;
};
CodeFlags f;

void PrintCitizen(const json& c) {
  for (const char* k :
       {"id", "name_masked", "district", "concession", "birth_year", "talent_category",
        "talent_until", "status", "revoke_reason", "authority_id"}) {
    std::cout << k << ": " << Str(c, k) << "\n";
  }
}

// Writes a code's PNG to --png, if given.
Result<json> SavePng(Result<json> code) {
  if (!code.ok() || f.png.empty()) return code;
  auto png = crypto::Base64Decode((*code)["png_base64"].get<std::string>());
  if (!png.ok()) return Internal("the server sent malformed base64");
  std::ofstream out(f.png, std::ios::binary);
  out.write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
  if (!out.flush()) return InvalidArgument("cannot write " + f.png);
  return code;
}

void PrintCode(const json& code) {
  for (const char* k : {"kind", "serial", "code_id", "kid", "issued_at", "expires_at"}) {
    std::cout << k << ": " << Str(code, k) << "\n";
  }
  if (!f.png.empty()) std::cout << "png: " << f.png << "\n";
  std::cout << code["code"].get<std::string>() << "\n";
}

Result<json> ImportCsv(CommandContext& c) {
  std::ifstream in(f.file, std::ios::binary);
  if (!in) return NotFound("cannot open " + f.file);
  QT_ASSIGN_OR_RETURN(json rows, CitizensFromCsv(in, f.file));
  QT_ASSIGN_OR_RETURN(json out,
                      c.Client().Post("/api/v1/identity/citizens/import", {{"citizens", rows}}));
  std::ofstream tokens(f.tokens_out, std::ios::trunc);
  chmod(f.tokens_out.c_str(), 0600);
  tokens << "citizen_id,token\n";
  for (const json& e : out["items"]) {
    tokens << e["citizen"]["id"].get<std::string>() << "," << e["token"].get<std::string>() << "\n";
  }
  if (!tokens.flush()) return Internal("cannot write " + f.tokens_out);
  return json{{"count", out["count"]}, {"tokens", f.tokens_out}};
}

// Fetches the trust list, the revocations since the terminal's sequence and
// its category keys (opened with its own key).
Status Sync(CommandContext& c, TerminalState& s) {
  ApiClient client({s.server, c.options.token, c.options.ca_cert});
  QT_ASSIGN_OR_RETURN(json list, client.Get("/api/v1/identity/trust-list"));
  QT_RETURN_IF_ERROR(ReadTrustList(list, s.issuer).status());
  s.trust_list = list;
  QT_ASSIGN_OR_RETURN(json delta, client.Get("/api/v1/identity/revocations?since=" +
                                             std::to_string(s.revocations.seq)));
  QT_RETURN_IF_ERROR(ApplyRevocations(s.revocations, delta, s.issuer));
  QT_ASSIGN_OR_RETURN(
      json keys, client.Get("/api/v1/identity/terminals/" + UrlEncode(s.terminal_id) + "/keys"));
  for (const json& k : keys["keys"]) {
    auto sealed = crypto::Base64Decode(k["sealed"].get<std::string>());
    if (!sealed.ok()) return Internal("the server sent malformed base64");
    QT_ASSIGN_OR_RETURN(auto key, crypto::OpenSealed(s.key, *sealed));
    if (key.size() != 32) return Internal("a category key is not 32 bytes");
    std::copy(key.begin(), key.end(), s.category_keys[k["epoch"].get<uint32_t>()].begin());
  }
  return OkStatus();
}

Result<json> Register(CommandContext& c) {
  TerminalState s;
  s.server = c.options.server;
  s.category = f.category;
  s.key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  ApiClient client = c.Client();
  QT_ASSIGN_OR_RETURN(json issuer, client.Get("/api/v1/identity/issuer"));
  auto pinned = crypto::HexDecode(issuer["public_key"].get<std::string>());
  if (!pinned.ok() || pinned->size() != 32) return Internal("the server's issuer key is malformed");
  std::copy(pinned->begin(), pinned->end(), s.issuer.begin());
  QT_ASSIGN_OR_RETURN(json t, client.Post("/api/v1/identity/terminals",
                                          {{"category", f.category},
                                           {"name", f.name},
                                           {"public_key", crypto::HexEncode(s.key.public_key)}}));
  s.terminal_id = t["id"];
  QT_RETURN_IF_ERROR(Sync(c, s));
  QT_RETURN_IF_ERROR(SaveState(s, f.terminal));
  t["file"] = f.terminal;
  return t;
}

Result<json> SyncFile(CommandContext& c) {
  QT_ASSIGN_OR_RETURN(TerminalState s, LoadState(f.terminal));
  QT_RETURN_IF_ERROR(Sync(c, s));
  QT_RETURN_IF_ERROR(SaveState(s, f.terminal));
  QT_ASSIGN_OR_RETURN(TrustList list, ReadTrustList(s.trust_list, s.issuer));
  return json{{"terminal_id", s.terminal_id},
              {"keys_trusted", list.keys.size()},
              {"revocations", s.revocations.seq},
              {"category_keys", s.category_keys.size()}};
}

// Offline: no request is made.
Result<json> Verify(CommandContext&) {
  QT_ASSIGN_OR_RETURN(TerminalState s, LoadState(f.terminal));
  QT_ASSIGN_OR_RETURN(auto verifier, LoadVerifier(s));
  int64_t now = SystemClock::Get().NowMillis();
  if (!f.now.empty()) {
    auto t = ParseRfc3339(f.now);
    if (!t) return InvalidArgument("--now: not an RFC 3339 time");
    now = *t;
  }
  std::string text = f.code;
  if (text.starts_with("@")) {
    QT_ASSIGN_OR_RETURN(text, ReadTextFile(text.substr(1)));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto scan = verifier->Verify(text, now);
  if (!scan.ok()) return Status(scan.status().code(), "refused: " + scan.status().message());
  SaveVerifier(*verifier, s);
  std::vector<std::string> read;
  for (const auto& [claim, value] : scan->claims.items()) read.push_back(claim);
  QT_ASSIGN_OR_RETURN(ScanReceipt r,
                      SignReceipt(s, crypto::HexEncode(scan->code_id), read, "accepted", now));
  s.pending.push_back(std::move(r));
  QT_RETURN_IF_ERROR(SaveState(s, f.terminal));
  return json{{"result", "accepted"},
              {"kind", scan->kind == 'd' ? "dynamic" : "static"},
              {"serial", scan->serial.empty() ? json(nullptr) : json(scan->serial)},
              {"code_id", crypto::HexEncode(scan->code_id)},
              {"expires_at", FormatRfc3339(scan->expires_at * 1000)},
              {"claims", scan->claims},
              {"pending_receipts", s.pending.size()}};
}

Result<json> Upload(CommandContext& c) {
  QT_ASSIGN_OR_RETURN(TerminalState s, LoadState(f.terminal));
  if (s.pending.empty()) return json{{"uploaded", 0}};
  json receipts = json::array();
  for (const ScanReceipt& r : s.pending) {
    receipts.push_back({{"terminal_id", r.terminal_id},
                        {"code_id", r.code_id},
                        {"category", r.category},
                        {"claims_read", r.claims_read},
                        {"result", r.result},
                        {"scanned_at", r.scanned_at},
                        {"signature", r.signature}});
  }
  QT_ASSIGN_OR_RETURN(json out, ApiClient({s.server, "", c.options.ca_cert})
                                    .Post("/api/v1/identity/scans", {{"receipts", receipts}}));
  s.pending.clear();
  QT_RETURN_IF_ERROR(SaveState(s, f.terminal));
  json checks = json::object();
  for (const json& scan : out["items"])
    checks[scan["check"].get<std::string>()] =
        checks.value(scan["check"].get<std::string>(), 0) + 1;
  return json{{"uploaded", out["items"].size()}, {"checks", checks}};
}

}  // namespace

void AddIdentityCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* code = app.add_subcommand("code", "Citizen and talent codes (市民码 / 人才码)");
  code->require_subcommand(1);
  AddCollection(
      *code, "categories", "The 18 service categories and the claims each may read", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/identity/categories"), [](const json& j) {
          PrintPage(j, {"#", "CODE", "NAME", "CLAIMS"}, {"number", "code", "name", "claims"});
        });
      });
  auto* enrol =
      AddVerb(*code, "enrol", "Enrol a citizen (authority); prints the app token once", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/identity/citizens", {{"name", f.name},
                                                                     {"resident_id", f.resident_id},
                                                                     {"district", f.district},
                                                                     {"concession", f.concession}}),
                       [](const json& j) {
                         PrintCitizen(j["citizen"]);
                         std::cout << "token (shown once): " << Str(j, "token") << "\n";
                       });
              });
  enrol->add_option("--name", f.name, "Name")->required();
  enrol->add_option("--resident-id", f.resident_id, "Resident identity number (GB 11643)")
      ->required();
  enrol->add_option("--district", f.district, "District")->required();
  enrol->add_option("--concession", f.concession, "none, elderly, student, disabled or veteran");
  auto* import =
      AddVerb(*code, "import",
              "Enrol a register from CSV (name,resident_id,district[,concession]), all or none",
              ctx, [](CommandContext& c) { c.Emit(ImportCsv(c), PrintFields); });
  import->add_option("file", f.file, "CSV file")->required();
  import->add_option("--tokens-out", f.tokens_out, "Where to write citizen_id,token (mode 0600)")
      ->required();
  AddListVerb(*code, "Enrolled citizens (authority)", ctx, "/api/v1/identity/citizens",
              {"CITIZEN", "NAME", "DISTRICT", "CONCESSION", "TALENT", "STATUS"},
              {"id", "name_masked", "district", "concession", "talent_category", "status"}, nullptr,
              {{"--district", "district", "Only this district (西湖区)"},
               {"--talent-category", "talent_category", "Only this talent category (A..E)"},
               {"--status", "status", "active or revoked"},
               {"--resident-id", "resident_id", "The citizen with this resident ID"}});
  auto* talent =
      AddVerb(*code, "talent", "Set a citizen's talent status (A..E), or clear it", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/identity/citizens/" + UrlEncode(f.id) + "/talent",
                                       {{"category", f.category}, {"valid_until", f.until}}),
                       PrintCitizen);
              });
  talent->add_option("citizen", f.id, "Citizen id")->required();
  talent->add_option("--category", f.category, "A, B, C, D or E ('' clears)");
  talent->add_option("--until", f.until, "Last day, YYYY-MM-DD");
  auto* revoke =
      AddVerb(*code, "revoke", "Revoke a citizen (their cards join the revocation list)", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/identity/citizens/" + UrlEncode(f.id) + "/revoke",
                                       {{"reason", f.reason}}),
                       PrintCitizen);
              });
  revoke->add_option("citizen", f.id, "Citizen id")->required();
  revoke->add_option("--reason", f.reason, "Reason")->required();
  auto* card = AddVerb(*code, "static", "Print a static code (a card) for a citizen (authority)",
                       ctx, [](CommandContext& c) {
                         c.Emit(SavePng(c.Client().Post(
                                    "/api/v1/identity/citizens/" + UrlEncode(f.id) + "/static-code",
                                    json::object())),
                                PrintCode);
                       });
  card->add_option("citizen", f.id, "Citizen id")->required();
  card->add_option("--png", f.png, "Write the QR code to this PNG file");
  auto* reset =
      AddVerb(*code, "reset-token", "A new app token for a citizen (authority)", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/identity/citizens/" + UrlEncode(f.id) + "/token",
                                       json::object()),
                       PrintFields);
              });
  reset->add_option("citizen", f.id, "Citizen id")->required();
  auto* mine = AddVerb(
      *code, "mine", "My dynamic code (citizen app token as --token)", ctx, [](CommandContext& c) {
        c.Emit(SavePng(c.Client().Post("/api/v1/identity/me/code", json::object())), PrintCode);
      });
  mine->add_option("--png", f.png, "Write the QR code to this PNG file");
  AddVerb(*code, "log", "Who read my codes, what and when (citizen app token as --token)", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/identity/me/scans?limit=500"), [](const json& j) {
              PrintPage(j, {"WHEN", "CATEGORY", "TERMINAL", "READ", "CHECK"},
                        {"scanned_at", "category_name", "terminal_name", "claims_read", "check"});
            });
          });

  // Scopes: categories granted to organisations, citizens' authorities.
  auto* grants = AddCollection(
      *code, "grants", "Categories granted to organisations", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Get("/api/v1/identity/grants" +
                              (f.org.empty() ? "" : "?org_id=" + UrlEncode(f.org))),
               [](const json& j) {
                 PrintPage(j, {"ORG", "CATEGORY", "GRANTED BY", "AT"},
                           {"org_id", "category", "granted_by", "granted_at"});
               });
      });
  grants->add_option("--org", f.org, "Only this organisation's grants");
  auto* grant = AddVerb(
      *code, "grant",
      "Grant a category to a service organisation (operator admin, or an authority holding it)",
      ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/identity/grants",
                               {{"org_id", f.org}, {"category", f.category}}),
               PrintFields);
      });
  grant->add_option("org", f.org, "Organisation id")->required();
  grant->add_option("category", f.category, "Service category (see `code categories list`)")
      ->required();
  auto* ungrant = AddVerb(
      *code, "ungrant", "Revoke a category grant; the organisation's terminals of it are disabled",
      ctx, [](CommandContext& c) {
        c.Emit(c.Client().Delete("/api/v1/identity/grants/" + UrlEncode(f.org) + "/" +
                                 UrlEncode(f.category)),
               PrintFields);
      });
  ungrant->add_option("org", f.org, "Organisation id")->required();
  ungrant->add_option("category", f.category, "Service category")->required();
  AddCollection(*code, "delegations", "Which authority acts on which authority's citizens", ctx,
                [](CommandContext& c) {
                  c.Emit(c.Client().Get("/api/v1/identity/delegations"), [](const json& j) {
                    PrintPage(j, {"OWNER", "DELEGATE", "GRANTED BY", "AT"},
                              {"owner_id", "delegate_id", "granted_by", "granted_at"});
                  });
                });
  auto* delegate = AddVerb(
      *code, "delegate", "Let an authority act on another authority's citizens (operator admin)",
      ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/identity/delegations",
                               {{"owner_id", f.owner}, {"delegate_id", f.delegate}}),
               PrintFields);
      });
  delegate->add_option("owner", f.owner, "The authority whose citizens")->required();
  delegate->add_option("delegate", f.delegate, "The authority that may act on them")->required();
  auto* undelegate =
      AddVerb(*code, "undelegate", "End a delegation (operator admin)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Delete("/api/v1/identity/delegations/" + UrlEncode(f.owner) + "/" +
                                 UrlEncode(f.delegate)),
               PrintFields);
      });
  undelegate->add_option("owner", f.owner, "The authority whose citizens")->required();
  undelegate->add_option("delegate", f.delegate, "The delegated authority")->required();
  auto* reassign = AddVerb(
      *code, "reassign", "Move a citizen to another authority (operator admin)", ctx,
      [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/identity/citizens/" + UrlEncode(f.id) + "/authority",
                               {{"authority_id", f.authority}}),
               PrintCitizen);
      });
  reassign->add_option("citizen", f.id, "Citizen id")->required();
  reassign->add_option("--authority", f.authority, "The authority that takes the citizen over")
      ->required();

  CLI::App* terminal =
      code->add_subcommand("terminal", "A verifying terminal, kept in a local file");
  terminal->require_subcommand(1);
  auto* reg =
      AddVerb(*terminal, "register", "Make a key, register it (service organisation) and sync", ctx,
              [](CommandContext& c) { c.Emit(Register(c), PrintFields); });
  reg->add_option("--category", f.category, "Service category (see `code categories list`)")
      ->required();
  reg->add_option("--name", f.name, "Terminal name")->required();
  reg->add_option("--file", f.terminal, "Terminal file to write")->required();
  auto* sync =
      AddVerb(*terminal, "sync", "Fetch the trust list, new revocations and the category key", ctx,
              [](CommandContext& c) { c.Emit(SyncFile(c), PrintFields); });
  sync->add_option("file", f.terminal, "Terminal file")->required();
  AddVerb(*terminal, "list", "Your organisation's terminals", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/identity/terminals"), [](const json& j) {
      PrintPage(j, {"TERMINAL", "CATEGORY", "NAME", "STATE"}, {"id", "category", "name", "state"});
    });
  });
  auto* verify = AddVerb(*code, "verify",
                         "Verify a code offline with a terminal file, keeping a signed receipt",
                         ctx, [](CommandContext& c) { c.Emit(Verify(c), PrintFields); });
  verify->add_option("code", f.code, "The code text (HZ1:...), or @FILE")->required();
  verify->add_option("--terminal", f.terminal, "Terminal file")->required();
  verify->add_option("--now", f.now, "Verify as of this time (RFC 3339)");
  CLI::App* receipts = code->add_subcommand("receipts", "Scan receipts");
  receipts->require_subcommand(1);
  auto* upload = AddVerb(*receipts, "upload", "Upload a terminal's signed receipts", ctx,
                         [](CommandContext& c) { c.Emit(Upload(c), PrintFields); });
  upload->add_option("file", f.terminal, "Terminal file")->required();
  AddCollection(*code, "keys", "Code signing keys, active and retired", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/identity/keys"), [](const json& j) {
      PrintPage(j, {"KID", "ALG", "CREATED", "RETIRED", "NOT AFTER"},
                {"kid", "alg", "created_at", "retired_at", "not_after"});
    });
  });
  auto* rotate = AddVerb(
      *code, "rotate", "A new code signing key (operator admin)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/identity/keys/rotate", {{"alg", f.alg}}), PrintFields);
      });
  rotate->add_option("--alg", f.alg, "EdDSA or ES256");
}

}  // namespace qt::cli
