#include "match/person.h"

#include <charconv>

namespace qt::match {

Status AddPersonAttributes(Schema& schema) {
  const Attribute attributes[] = {
      {"district", Type::kString, "district of residence"},
      {"age", Type::kNumber, "years (this year minus the birth year)"},
      {"concession", Type::kString, "none, elderly, student, disabled, veteran"},
      {"talent_category", Type::kString, "A..E while valid"},
      {"talent_until", Type::kDate, "last day of the talent status"},
  };
  for (const Attribute& a : attributes) QT_RETURN_IF_ERROR(schema.Add(a));
  return OkStatus();
}

nlohmann::json PersonProfile(const identity::Citizen& citizen, double today) {
  nlohmann::json p = {{"district", citizen.district}, {"concession", citizen.concession}};
  int birth_year = 0;
  const std::string& y = citizen.birth_year;
  if (std::from_chars(y.data(), y.data() + y.size(), birth_year).ec == std::errc()) {
    const int this_year = std::stoi(Schema::FormatDate(today).substr(0, 4));
    p["age"] = this_year - birth_year;
  }
  if (!citizen.talent_category.empty()) {
    auto until = Schema::ParseDate(citizen.talent_until);
    if (until) p["talent_until"] = citizen.talent_until;
    if (until && *until >= today) p["talent_category"] = citizen.talent_category;
  }
  return p;
}

}  // namespace qt::match
