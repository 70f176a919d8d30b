// `qiantang delivery ...`: secure delivery on data space contracts — ask for
// a delivery, fetch the encrypted file, open it on the recipient's node, and
// trace a leaked copy back to its recipient (the holder).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/client.h"
#include "cli/command.h"
#include "cli/key_file.h"
#include "core/clock.h"
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "privacy/delivery.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct DeliveryFlags {
  std::string contract, purpose, columns, id, out, file, product, key_file;
};
DeliveryFlags f;

void PrintDelivery(const json& d) {
  for (const char* k :
       {"id", "state", "contract_id", "recipient_id", "columns", "content_sha256", "bytes"}) {
    std::cout << k << ": " << Str(d, k) << "\n";
  }
}

// The opened data, written readable by its owner only (mode 0600 on creation).
Status WritePrivateFile(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InvalidArgument("cannot write " + path + ": " + std::strerror(errno));
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = close(fd) == 0 && ok;
  return ok ? OkStatus() : InvalidArgument("cannot write " + path);
}

// Opens a delivery file with the organisation's own key, here, and records
// its signed receipt on the server: the delivery with "csv".
Result<json> OpenHere(ApiClient client, const std::string& file, const std::string& key_file) {
  QT_ASSIGN_OR_RETURN(crypto::SigningKey key, ReadKeyFile(key_file));
  QT_ASSIGN_OR_RETURN(privacy::Opened opened,
                      privacy::OpenDelivery(file, [&](std::span<const uint8_t> sealed) {
                        return crypto::OpenSealed(key, sealed);
                      }));
  const std::string receipt =
      privacy::DeliveryReceipt(opened.header, FormatRfc3339(SystemClock::Get().NowMillis()));
  QT_ASSIGN_OR_RETURN(
      json d,
      client.Post("/api/v1/privacy/deliveries/" + UrlEncode(opened.header.delivery_id) + "/receipt",
                  {{"receipt", receipt}, {"signature", SignBase64(key, receipt)}}));
  d["csv"] = std::move(opened.plaintext);
  return d;
}

}  // namespace

void AddDeliveryCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* d = app.add_subcommand("delivery", "Secure delivery (安全交付)");
  d->require_subcommand(1);
  auto* request =
      AddVerb(*d, "request", "Ask for a delivery under a contract", ctx, [](CommandContext& c) {
        json body = {{"contract_id", f.contract}, {"purpose", f.purpose}};
        if (!f.columns.empty()) body["columns"] = SplitList(f.columns);
        c.Emit(c.Client().Post("/api/v1/privacy/deliveries", body), PrintDelivery);
      });
  request->add_option("contract", f.contract, "Contract id")->required();
  request->add_option("--purpose", f.purpose, "Purpose")->required();
  request->add_option("--columns", f.columns, "Comma-separated columns (default: as agreed)");
  AddListVerb(*d, "Deliveries you sent or received, oldest first", ctx,
              "/api/v1/privacy/deliveries",
              {"DELIVERY", "STATE", "CONTRACT", "PROVIDER", "RECIPIENT", "BYTES", "AT"},
              {"id", "state", "contract_id", "provider_id_name", "recipient_id_name", "bytes",
               "created_at"},
              [](CommandContext& c, json& items) {
                OrgNames(c.Client()).Add(items, {"provider_id", "recipient_id"});
              });
  auto* fetch = AddVerb(*d, "fetch", "Save the encrypted file", ctx, [](CommandContext& c) {
    auto r = c.Client().Get("/api/v1/privacy/deliveries/" + UrlEncode(f.id) + "/file");
    if (!r.ok()) return c.Emit(r.status(), nullptr);
    auto bytes = crypto::Base64Decode((*r)["file_base64"].get<std::string>());
    if (!bytes.ok()) return c.Emit(Internal("the server sent malformed base64"), nullptr);
    std::ofstream(f.out, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes->data()),
               static_cast<std::streamsize>(bytes->size()));
    std::cout << "wrote " << f.out << " (" << bytes->size() << " bytes, encrypted)\n";
  });
  fetch->add_option("id", f.id, "Delivery id")->required();
  fetch->add_option("--out", f.out, "File to write (.qtd)")->required();
  auto* open = AddVerb(
      *d, "open", "Open a delivery file (on your node, or here with --key) and sign its receipt",
      ctx, [](CommandContext& c) {
        auto file = ReadTextFile(f.file);
        if (!file.ok()) return c.Emit(file.status(), nullptr);
        auto r =
            f.key_file.empty()
                ? c.Client().Post("/api/v1/privacy/deliveries/receive",
                                  {{"file_base64", crypto::Base64Encode(crypto::AsBytes(*file))}})
                : OpenHere(c.Client(), *file, f.key_file);
        if (!r.ok()) return c.Emit(r.status(), nullptr);
        if (!r->value("csv", json()).is_string()) {
          return c.Emit(Internal("the server sent no CSV"), nullptr);
        }
        if (!f.out.empty()) {
          Status written = WritePrivateFile(f.out, (*r)["csv"].get<std::string>());
          if (!written.ok()) return c.Emit(written, nullptr);
        }
        c.Emit(*r, [](const json& j) {
          std::cout << "delivery " << Str(j, "id") << " received; receipt signed\n";
          if (f.out.empty()) std::cout << j["csv"].get<std::string>();
        });
      });
  open->add_option("file", f.file, "The .qtd file")->required();
  open->add_option("--out", f.out, "Write the CSV here");
  open->add_option("--key", f.key_file,
                   "Your organisation's key file, if it holds its own key: the file is opened "
                   "and the receipt signed here, and only the receipt goes to the server");
  auto* trace = AddVerb(
      *d, "trace", "Name the recipient of a leaked copy (the holder)", ctx, [](CommandContext& c) {
        auto csv = ReadTextFile(f.file);
        if (!csv.ok()) return c.Emit(csv.status(), nullptr);
        c.Emit(c.Client().Post("/api/v1/privacy/deliveries/trace",
                               {{"product_id", f.product}, {"csv", *csv}}),
               [&c](const json& j) {
                 if (j["traced"] == true) {
                   // The recipient as people know it: its name and credit code.
                   Result<json> org =
                       c.Client().Get("/api/v1/orgs/" + UrlEncode(Str(j, "recipient_id")));
                   const std::string who = org.ok() ? Str(*org, "name") + " (" +
                                                          Str(*org, "credit_code") + ", " +
                                                          Str(j, "recipient_id") + ")"
                                                    : Str(j, "recipient_id");
                   std::cout << fmt::format(
                       "leaked by {} (delivery {}): {} of {} fingerprint cells "
                       "agree, confidence {:.9f}\n",
                       who, Str(j, "delivery_id"), Str(j, "agreeing"), Str(j, "cells"),
                       j["confidence"].get<double>());
                 } else {
                   std::cout << "cannot name a recipient: " << Str(j, "reason") << "\n";
                 }
               });
      });
  trace->add_option("file", f.file, "The leaked CSV")->required();
  trace->add_option("--product", f.product, "Your product it came from")->required();
}

}  // namespace qt::cli
