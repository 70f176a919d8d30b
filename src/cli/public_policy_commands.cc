// `qiantang match policies ...`, `match inbox` and `match webhook`: policies
// that find people (春雨计划) — publishing, revising and withdrawing
// policies (authorities), the inbox of notices (an enterprise's with an
// organisation token; a citizen's with the citizen's czt_ app token), and an
// organisation's webhook.
#include <iostream>

#include "cli/command.h"
#include "identity/identity.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct PolicyFlags {
  std::string id, audience, title, summary, benefit, rule, from, until, read, url;
  bool in_force = false, unread = false;
  int limit = 50;
};
PolicyFlags f;

void PrintPolicy(const json& j) {
  for (const char* k : {"id", "audience", "title", "summary", "benefit", "rule", "valid_from",
                        "valid_until", "version", "state", "notified"}) {
    std::cout << k << ": " << Str(j, k) << "\n";
  }
}

void PrintNotices(const json& j) {
  for (const json& n : j["items"]) {
    std::cout << Str(n, "id") << "  " << (n["read_at"].is_null() ? "new " : "read") << "  "
              << Str(n, "title") << " (v" << Str(n, "version") << ")  " << Str(n, "benefit")
              << (n.value("closed", false) ? "  closed (until " + Str(n, "valid_until") + ")"
                                           : "  until " + Str(n, "valid_until"))
              << "\n";
    for (const json& c : n["explanation"]) {
      std::cout << "      " << (c["passed"] == true ? "✓ " : "✗ ") << Str(c, "clause") << "  (is "
                << Str(c, "actual") << ")\n";
    }
  }
  if (!j["next_cursor"].is_null()) std::cout << "more: --cursor " << Str(j, "next_cursor") << "\n";
}

json PolicyBody() {
  return {{"audience", f.audience}, {"title", f.title}, {"summary", f.summary},
          {"benefit", f.benefit},   {"rule", f.rule},   {"valid_from", f.from},
          {"valid_until", f.until}};
}

void PolicyOptions(CLI::App& verb) {
  verb.add_option("--audience", f.audience, "enterprise or person")->required();
  verb.add_option("--title", f.title, "Title")->required();
  verb.add_option("--benefit", f.benefit, "What it gives")->required();
  verb.add_option("--rule", f.rule, "Eligibility rule (see `match policies attributes`)")
      ->required();
  verb.add_option("--from", f.from, "First day in force, YYYY-MM-DD")->required();
  verb.add_option("--until", f.until, "Last day in force, YYYY-MM-DD")->required();
  verb.add_option("--summary", f.summary, "Summary");
}

// A citizen's app token reads the citizen's inbox; any other the enterprise's.
std::string InboxPath(const CommandContext& c) {
  return identity::Identity::IsCitizenToken(c.options.token) ? "/api/v1/match/me/inbox"
                                                             : "/api/v1/match/inbox";
}

}  // namespace

void AddPublicPolicyCommands(CLI::App& match, CommandContext& ctx) {
  CLI::App* pol = match.add_subcommand("policies", "Policies that find people (春雨计划)");
  pol->require_subcommand(1);
  auto* attrs =
      AddVerb(*pol, "attributes", "The attributes rules may use", ctx, [](CommandContext& c) {
        const std::string audience = f.audience.empty() ? "person" : f.audience;
        c.Emit(c.Client().Get("/api/v1/match/policies/attributes?audience=" + UrlEncode(audience)),
               [](const json& j) {
                 PrintPage(j, {"ATTRIBUTE", "TYPE", "MEANING"}, {"name", "type", "description"});
               });
      });
  attrs->add_option("--audience", f.audience, "enterprise or person (default person)");
  auto* list = AddVerb(*pol, "list", "Published policies", ctx, [](CommandContext& c) {
    std::string q = "/api/v1/match/policies?limit=" + std::to_string(f.limit);
    if (!f.audience.empty()) q += "&audience=" + UrlEncode(f.audience);
    if (f.in_force) q += "&in_force=true";
    c.Emit(c.Client().Get(q), [](const json& j) {
      PrintPage(j, {"POLICY", "AUDIENCE", "TITLE", "VERSION", "STATE", "NOTIFIED", "UNTIL"},
                {"id", "audience", "title", "version", "state", "notified", "valid_until"});
    });
  });
  list->add_option("--audience", f.audience, "enterprise or person");
  list->add_flag("--in-force", f.in_force, "Only those valid today");
  list->add_option("--limit", f.limit, "How many");
  auto* show = AddVerb(*pol, "show", "One policy", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/match/policies/" + UrlEncode(f.id)), PrintPolicy);
  });
  show->add_option("policy", f.id, "Policy id")->required();
  auto* publish =
      AddVerb(*pol, "publish", "Publish a policy; everyone eligible is noticed (authority)", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/match/policies", PolicyBody()), PrintPolicy);
              });
  PolicyOptions(*publish);
  auto* revise = AddVerb(
      *pol, "revise", "A new version; everyone eligible is noticed again (its authority)", ctx,
      [](CommandContext& c) {
        c.Emit(
            c.Client().Post("/api/v1/match/policies/" + UrlEncode(f.id) + "/revise", PolicyBody()),
            PrintPolicy);
      });
  revise->add_option("policy", f.id, "Policy id")->required();
  PolicyOptions(*revise);
  auto* withdraw =
      AddVerb(*pol, "withdraw", "Withdraw a policy (its authority)", ctx, [](CommandContext& c) {
        c.Emit(c.Client().Post("/api/v1/match/policies/" + UrlEncode(f.id) + "/withdraw",
                               json::object()),
               PrintPolicy);
      });
  withdraw->add_option("policy", f.id, "Policy id")->required();

  auto* inbox = AddVerb(
      match, "inbox",
      "Policy notices with their explanation: an enterprise's, or a citizen's with the czt_ token",
      ctx, [](CommandContext& c) {
        if (!f.read.empty()) {
          return c.Emit(
              c.Client().Post(InboxPath(c) + "/" + UrlEncode(f.read) + "/read", json::object()),
              [](const json& n) {
                PrintNotices({{"items", {n}}, {"next_cursor", nullptr}});
              });
        }
        std::string q = InboxPath(c) + "?limit=" + std::to_string(f.limit);
        if (f.unread) q += "&unread=true";
        c.Emit(c.Client().Get(q), PrintNotices);
      });
  inbox->add_flag("--unread", f.unread, "Only unread notices");
  inbox->add_option("--read", f.read, "Mark this notice read");
  inbox->add_option("--limit", f.limit, "How many");

  CLI::App* hook =
      match.add_subcommand("webhook", "Your organisation's webhook for policy notices");
  hook->require_subcommand(1);
  auto* set =
      AddVerb(*hook, "set", "Set the URL (admin); prints the signing secret once", ctx,
              [](CommandContext& c) {
                c.Emit(c.Client().Post("/api/v1/match/webhook", {{"url", f.url}}), PrintFields);
              });
  set->add_option("url", f.url, "http:// or https:// URL")->required();
  AddVerb(*hook, "show", "The URL and the deliveries' state", ctx,
          [](CommandContext& c) { c.Emit(c.Client().Get("/api/v1/match/webhook"), PrintFields); });
  AddVerb(
      *hook, "delete", "Remove it; pending deliveries are cancelled (admin)", ctx,
      [](CommandContext& c) { c.Emit(c.Client().Delete("/api/v1/match/webhook"), PrintFields); });
}

}  // namespace qt::cli
