// The profile of a technology enterprise that finance products and policies
// write their rules against (杭创E站).
//
//   credit_code      string  unified social credit code (GB 32100)
//   district         string  "西湖区", ...
//   industry         string  GB/T 4754 class, e.g. "I65" (software), "C39" (electronics)
//   founded          date
//   staff            number
//   revenue          money   last year (JSON: revenue_fen)
//   rd_ratio         number  R&D spending / revenue, 0..1
//   patents          number  invention patents held
//   qualifications   set     高新技术企业, 科技型中小企业, 专精特新, 瞪羚企业, 雏鹰企业, 独角兽企业
//   credit_rating    string  AAA, AA, A, BBB, BB, B, C
//   need_amount      money   financing sought (JSON: need_amount_fen)
//   need_types       set     投 (investment), 贷 (loan), 补 (subsidy), 担 (guarantee), 保
//   (insurance)
#ifndef QIANTANG_MATCH_ENTERPRISE_H_
#define QIANTANG_MATCH_ENTERPRISE_H_

#include <nlohmann/json.hpp>

#include "match/schema.h"

namespace qt::match {

// Adds the enterprise attributes to `schema`.
Status AddEnterpriseAttributes(Schema& schema);

// A profile stored before money was kept in fen: "revenue" and "need_amount"
// in yuan become "revenue_fen" and "need_amount_fen", rounded to the nearest
// fen (half away from zero). Other keys are kept; a profile without them is
// returned as it is. invalid_argument for a value that is not a number.
Result<nlohmann::json> ProfileInFen(nlohmann::json profile);

}  // namespace qt::match

#endif  // QIANTANG_MATCH_ENTERPRISE_H_
