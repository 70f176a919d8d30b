#include "dataspace/pipeline.h"

#include <gtest/gtest.h>

#include <fstream>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dataspace/product_db.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::dataspace {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using nlohmann::json;

const char* kCsv =
    "姓名,身份证号,手机,出生日期,区,收入\n"
    "张三, 11010519491231002x ,138 0013 8000,1949/12/31,西湖区,５０００\n"
    "李四,330106199003074518,+86 13900139000,1990年3月7日,上城区,7000\n"  // bad checksum
    "王五,330106199003074517,12345,19900307,N/A,\n"                 // bad phone, null district
    "张三,11010519491231002X,13800138000,1949-12-31,西湖区,5000\n"  // duplicate of row 1
    "赵六,,13700137000,2001-02-30,滨江区,abc\n"                     // no id, bad date and income
    "short,row\n";

json Spec() {
  return json::parse(R"({
    "steps": [
      {"op": "trim"},
      {"op": "normalize", "form": "NFKC"},
      {"op": "null_values", "values": ["N/A", "-"]},
      {"op": "resident_id", "field": "c2"},
      {"op": "mobile", "field": "c3"},
      {"op": "date", "field": "c4"},
      {"op": "fill", "field": "c5", "value": "未知"},
      {"op": "drop_if_null", "fields": ["c2"]},
      {"op": "dedupe", "fields": ["c2"]}],
    "output": [
      {"name": "name", "from": "c1", "sensitivity": "identifying", "mask": "name"},
      {"name": "id_no", "from": "c2", "sensitivity": "identifying", "mask": "resident_id"},
      {"name": "phone", "from": "c3", "sensitivity": "identifying", "mask": "mobile"},
      {"name": "birth", "from": "c4", "type": "date"},
      {"name": "district", "from": "c5"},
      {"name": "income", "from": "c6", "type": "integer", "min": 0, "max": 1000000}]})");
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    csv_ = dir_.File("people.csv");
    std::ofstream(csv_) << kCsv;
    source_ = *InferSchema({"姓名", "身份证号", "手机", "出生日期", "区", "收入"}, {});
  }
  qt::testing::TempDir dir_;
  std::string csv_;
  Schema source_;
};

TEST_F(PipelineTest, RenovatesAndReportsQuality) {
  EXPECT_EQ(source_[0].name, "c1");
  EXPECT_EQ(source_[0].label, "姓名");
  auto spec = ParsePipeline(Spec(), source_);
  ASSERT_THAT(spec, IsOk()) << spec.status().ToString();
  std::string db_path = dir_.File("product.sqlite");
  auto out = RunPipeline(*spec, source_, csv_, db_path);
  ASSERT_THAT(out, IsOk()) << out.status().ToString();
  const QualityReport& r = out->report;
  EXPECT_EQ(r.rows_in, 6);
  EXPECT_EQ(r.malformed, 1);
  EXPECT_EQ(r.dropped_null, 2);  // 李四's bad ID was nulled, 赵六 had none
  EXPECT_EQ(r.duplicates, 1);
  EXPECT_EQ(r.rows_out, 2);
  EXPECT_EQ(r.fields[2].name, "phone");
  EXPECT_EQ(r.fields[2].invalid, 1);  // "12345" (counted before its row was kept)
  EXPECT_DOUBLE_EQ(r.fields[2].completeness, 0.5);
  EXPECT_EQ(r.fields[4].distinct, 2);  // 西湖区, 未知

  auto db = ProductDb::OpenReadOnly(db_path);
  ASSERT_THAT(db, IsOk());
  auto rows = db->Query("SELECT * FROM data ORDER BY rowid");
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 2u);
  std::vector<Cell> want0 = {"张三", "11010519491231002X", "13800138000", "1949-12-31", "西湖区",
                             "5000"};
  EXPECT_EQ((*rows)[0], want0);
  std::vector<Cell> want1 = {"王五", "330106199003074517", std::nullopt, "1990-03-07",
                             "未知", std::nullopt};
  EXPECT_EQ((*rows)[1], want1);

  // The output hash is the SHA-256 of the product as canonical CSV.
  std::string canonical =
      "name,id_no,phone,birth,district,income\n"
      "张三,11010519491231002X,13800138000,1949-12-31,西湖区,5000\n"
      "王五,330106199003074517,,1990-03-07,未知,\n";
  EXPECT_EQ(out->output_hash, crypto::HexEncode(crypto::Sha256(canonical)));
  EXPECT_EQ(out->input_hash, crypto::HexEncode(crypto::Sha256(std::string(kCsv))));
  EXPECT_FALSE(std::filesystem::exists(db_path + ".tmp"));
}

TEST_F(PipelineTest, BadSpecsNameThePlace) {
  auto err = [&](const std::string& text) {
    return ParsePipeline(json::parse(text), source_).status().message();
  };
  EXPECT_EQ(err(R"({"steps": [{"op": "shred"}]})"), "steps[0].op: unknown operation 'shred'");
  EXPECT_EQ(err(R"({"steps": [{"op": "date", "field": "when"}]})"),
            "steps[0].field: no source field 'when'");
  EXPECT_EQ(err(R"({"steps": [{"op": "trim", "colour": 1}]})"),
            "steps[0].colour: not a setting of 'trim'");
  EXPECT_EQ(err(R"({"steps": [{"op": "mobile", "field": "c3", "on_invalid": "ignore"}]})"),
            "steps[0].on_invalid: must be null or drop");
  EXPECT_EQ(err(R"({"steps": [{"op": "mobile", "field": "c3", "on_invalid": 0}]})"),
            "steps[0].on_invalid: must be null or drop");
  EXPECT_EQ(err(R"({"steps": [{"op": "normalize", "form": null}]})"),
            "steps[0].form: must be NFC or NFKC");
  EXPECT_EQ(err(R"({"output": [{"name": "Bad Name", "from": "c1"}]})"),
            "output[0].name: must be 1-63 of a-z, 0-9, _ starting with a letter or _");
  EXPECT_EQ(err(R"({"output": [{"name": "x", "from": "c1", "min": 1, "max": 2}]})"),
            "output[0].min: only integer fields have bounds");
}

TEST_F(PipelineTest, AFailedRunLeavesNothing) {
  std::ofstream(csv_) << "a,b\n1,2\n";  // two columns, six fields
  auto spec = ParsePipeline(json::object(), source_);
  std::string db_path = dir_.File("product.sqlite");
  auto out = RunPipeline(*spec, source_, csv_, db_path);
  EXPECT_THAT(out, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_FALSE(std::filesystem::exists(db_path));
  EXPECT_FALSE(std::filesystem::exists(db_path + ".tmp"));
}

}  // namespace
}  // namespace qt::dataspace
