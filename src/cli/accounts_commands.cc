#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "accounts/model.h"
#include "cli/command.h"
#include "cli/key_file.h"
#include "cli/table.h"
#include "crypto/encoding.h"

namespace qt::cli {
namespace {

using nlohmann::json;

void PrintToken(const json& t) {
  std::cout << "token " << Str(t, "id") << " for user " << Str(t, "user_id") << ", expires "
            << Str(t, "expires_at") << "\n"
            << "secret (shown once): " << Str(t, "secret") << "\n";
}

// The caller's organisation id, for verbs whose --org defaults to it.
Result<std::string> OwnOrg(ApiClient& client, const std::string& given) {
  if (!given.empty()) return given;
  QT_ASSIGN_OR_RETURN(json me, client.Get("/api/v1/whoami"));
  return me["org"]["id"].get<std::string>();
}

}  // namespace

void AddAccountsCommands(CLI::App& app, CommandContext& ctx) {
  // login / whoami / health
  static std::string login_token;
  auto* login = AddVerb(
      app, "login", "Check a token and save it for later commands", ctx, [](CommandContext& c) {
        c.options.token = login_token;
        ApiClient client = c.Client();
        auto me = client.Get("/api/v1/whoami");
        if (me.ok()) {
          std::string path = TokenFilePath();
          std::filesystem::create_directories(std::filesystem::path(path).parent_path());
          std::ofstream(path) << login_token << "\n";
          chmod(path.c_str(), 0600);
        }
        c.Emit(me, [](const json& j) {
          std::cout << "signed in as " << Str(j, "user_id") << " (" << Str(j, "role") << ") of "
                    << Str(j["org"], "name") << "; token saved to " << TokenFilePath() << "\n";
        });
      });
  login->add_option("--token", login_token, "The API token (qt_...)")->required();

  AddVerb(app, "whoami", "Show who the token signs in as", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/whoami"), [](const json& j) {
      PrintTable(std::cout, {"user", "role", "organisation", "kind", "org id", "token id"},
                 {{Str(j, "user_id"), Str(j, "role"), Str(j["org"], "name"), Str(j["org"], "kind"),
                   Str(j["org"], "id"), Str(j, "token_id")}});
    });
  });

  AddVerb(app, "health", "Check that the server and its database answer", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/healthz"), [](const json& j) {
              std::cout << Str(j, "status") << " (database: " << Str(j, "database") << ")\n";
            });
          });

  // orgs
  CLI::App* orgs = app.add_subcommand("orgs", "Organisations");
  orgs->require_subcommand(1);
  static std::string list_kind, list_name;
  static PageFlags list_page;
  auto* olist = AddVerb(*orgs, "list", "List organisations", ctx, [](CommandContext& c) {
    // The server filters (GET /api/v1/orgs?kind=&name=) and counts the matches.
    std::string path = "/api/v1/orgs" + list_page.Query();
    if (!list_kind.empty()) path += "&kind=" + UrlEncode(list_kind);
    if (!list_name.empty()) path += "&name=" + UrlEncode(list_name);
    c.Emit(c.Client().Get(path), [](const json& j) {
      PrintPage(j, {"ORG", "KIND", "NAME", "CREDIT CODE"}, {"id", "kind", "name", "credit_code"});
    });
  });
  AddPageFlags(olist, list_page);
  olist->add_option("--kind", list_kind,
                    "Only organisations of this kind (enterprise, data_holder, institution...)");
  olist->add_option("--name", list_name, "Only organisations whose name contains this");

  static std::string show_id;
  AddVerb(*orgs, "show", "Show one organisation", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Get("/api/v1/orgs/" + UrlEncode(show_id)), [](const json& j) {
              for (const char* k : {"id", "name", "kind", "credit_code", "public_key",
                                    "key_custody", "home_node", "created_at"}) {
                std::cout << k << ": " << Str(j, k) << "\n";
              }
            });
          })
      ->add_option("id", show_id, "Organisation id")
      ->required();

  static std::string key_out;
  AddVerb(*orgs, "keygen",
          "Make a key pair for your organisation to hold itself, in a new file (offline)", ctx,
          [](CommandContext& c) {
            auto key = WriteNewKeyFile(key_out);
            if (!key.ok()) return c.Emit(key.status(), nullptr);
            c.Emit(json{{"file", key_out}, {"public_key", crypto::HexEncode(key->public_key)}},
                   [](const json& j) {
                     std::cout << "wrote " << Str(j, "file") << " (keep it safe: it signs for "
                               << "your organisation)\npublic key: " << Str(j, "public_key")
                               << "\n";
                   });
          })
      ->add_option("--out", key_out, "The new key file (never overwritten)")
      ->required();

  static std::string reg_org, reg_key, reg_previous;
  auto* reg = AddVerb(
      *orgs, "register-key",
      "Hold your organisation's key yourself: register the key file's public key, after which "
      "the server can no longer sign in your name (admins)",
      ctx, [](CommandContext& c) {
        ApiClient client = c.Client();
        c.Emit(
            [&]() -> Result<json> {
              QT_ASSIGN_OR_RETURN(std::string org, OwnOrg(client, reg_org));
              QT_ASSIGN_OR_RETURN(crypto::SigningKey key, ReadKeyFile(reg_key));
              QT_ASSIGN_OR_RETURN(json current, client.Get("/api/v1/orgs/" + UrlEncode(org)));
              if (!current.value("key_version", json()).is_number_integer()) {
                return Internal("the server did not say how many keys " + org + " registered");
              }
              const std::string proof = accounts::OwnKeyProofMessage(
                  org, current["key_version"].get<int64_t>() + 1, key.public_key);
              json body = {{"public_key", crypto::HexEncode(key.public_key)},
                           {"proof", SignBase64(key, proof)}};
              if (!reg_previous.empty()) {
                QT_ASSIGN_OR_RETURN(crypto::SigningKey previous, ReadKeyFile(reg_previous));
                body["previous_key_proof"] = SignBase64(previous, proof);
              }
              return client.Post("/api/v1/orgs/" + UrlEncode(org) + "/key", body);
            }(),
            [](const json& j) {
              std::cout << Str(j, "id") << " now holds its own key " << Str(j, "public_key")
                        << "\n";
            });
      });
  reg->add_option("--org", reg_org, "Organisation id (default: yours)");
  reg->add_option("--key", reg_key, "Key file from `orgs keygen`")->required();
  reg->add_option("--previous-key", reg_previous,
                  "The key file registered before, when replacing a key you hold");

  static std::string org_name, org_kind, org_code, org_admin = "admin";
  auto* create = AddVerb(
      *orgs, "create", "Create an organisation (operator admins)", ctx, [](CommandContext& c) {
        json body = {{"name", org_name},
                     {"kind", org_kind},
                     {"credit_code", org_code},
                     {"admin_name", org_admin}};
        c.Emit(c.Client().Post("/api/v1/orgs", body), [](const json& j) {
          std::cout << "created " << Str(j, "id") << " " << Str(j, "name") << "\n";
          PrintToken(j["admin_token"]);
        });
      });
  create->add_option("--name", org_name, "Name")->required();
  create
      ->add_option("--kind", org_kind,
                   "operator, compute_provider, enterprise, data_holder, institution, "
                   "service or authority")
      ->required();
  create->add_option("--credit-code", org_code, "Unified social credit code (18 characters)")
      ->required();
  create->add_option("--admin-name", org_admin, "Name of the first admin user")
      ->capture_default_str();

  // users
  CLI::App* users = app.add_subcommand("users", "Users of your organisation");
  users->require_subcommand(1);
  static std::string users_org;
  static PageFlags users_page;
  auto* ulist = AddVerb(*users, "list", "List users", ctx, [](CommandContext& c) {
    ApiClient client = c.Client();
    Result<json> r = [&]() -> Result<json> {
      QT_ASSIGN_OR_RETURN(std::string org, OwnOrg(client, users_org));
      return client.Get("/api/v1/orgs/" + UrlEncode(org) + "/users" + users_page.Query());
    }();
    c.Emit(r, [](const json& j) {
      PrintPage(j, {"id", "name", "role", "created"}, {"id", "name", "role", "created_at"});
    });
  });
  ulist->add_option("--org", users_org, "Organisation id (default: yours)");
  AddPageFlags(ulist, users_page);

  static std::string user_name, user_role = "member";
  auto* ucreate = AddVerb(*users, "create", "Create a user (admins)", ctx, [](CommandContext& c) {
    ApiClient client = c.Client();
    Result<json> r = [&]() -> Result<json> {
      QT_ASSIGN_OR_RETURN(std::string org, OwnOrg(client, users_org));
      return client.Post("/api/v1/orgs/" + UrlEncode(org) + "/users",
                         {{"name", user_name}, {"role", user_role}});
    }();
    c.Emit(r, [](const json& j) {
      std::cout << "created user " << Str(j, "id") << " " << Str(j, "name") << " ("
                << Str(j, "role") << ")\n";
    });
  });
  ucreate->add_option("--name", user_name, "User name")->required();
  ucreate->add_option("--role", user_role, "viewer, member or admin")->capture_default_str();
  ucreate->add_option("--org", users_org, "Organisation id (default: yours)");

  static std::string deactivate_id;
  auto* udeactivate =
      AddVerb(*users, "deactivate", "Deactivate a user: all its tokens stop at once (admins)", ctx,
              [](CommandContext& c) {
                ApiClient client = c.Client();
                Result<json> r = [&]() -> Result<json> {
                  QT_ASSIGN_OR_RETURN(std::string org, OwnOrg(client, users_org));
                  return client.Post("/api/v1/orgs/" + UrlEncode(org) + "/users/" +
                                         UrlEncode(deactivate_id) + "/deactivate",
                                     json::object());
                }();
                c.Emit(r, [](const json& j) {
                  std::cout << "deactivated user " << Str(j, "id") << " " << Str(j, "name") << "\n";
                });
              });
  udeactivate->add_option("id", deactivate_id, "User id")->required();
  udeactivate->add_option("--org", users_org, "Organisation id (default: yours)");

  // tokens
  CLI::App* tokens = app.add_subcommand("tokens", "API tokens of your organisation");
  tokens->require_subcommand(1);
  AddListVerb(*tokens, "List tokens (admins see all of the organisation's)", ctx, "/api/v1/tokens",
              {"id", "user", "label", "expires", "revoked"},
              {"id", "user_id", "label", "expires_at", "revoked_at"});

  static std::string token_user, token_label = "api token";
  static int64_t token_ttl = 0;
  auto* tcreate = AddVerb(*tokens, "create", "Issue a token", ctx, [](CommandContext& c) {
    json body = {{"label", token_label}, {"ttl_seconds", token_ttl}};
    if (!token_user.empty()) body["user_id"] = token_user;
    c.Emit(c.Client().Post("/api/v1/tokens", body), PrintToken);
  });
  tcreate->add_option("--user", token_user, "User id (default: you)");
  tcreate->add_option("--label", token_label, "What the token is for")->capture_default_str();
  tcreate->add_option("--ttl-seconds", token_ttl, "Lifetime (0: the server's default)");

  static std::string revoke_id;
  AddVerb(*tokens, "revoke", "Revoke a token", ctx,
          [](CommandContext& c) {
            c.Emit(c.Client().Delete("/api/v1/tokens/" + UrlEncode(revoke_id)),
                   [](const json& j) { std::cout << "revoked " << Str(j, "id") << "\n"; });
          })
      ->add_option("id", revoke_id, "Token id")
      ->required();
}

}  // namespace qt::cli
