#include "store/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "store/pg_store.h"
#include "store/transact.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace qt::store {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using ::testing::HasSubstr;

const std::vector<Migration> kSchema = {
    {"test", 1, "create items", "CREATE TABLE items (id TEXT PRIMARY KEY, n BIGINT NOT NULL)"},
    {"test", 2, "create notes",
     "CREATE TABLE notes (id TEXT PRIMARY KEY, item TEXT NOT NULL REFERENCES items(id),"
     " body BYTEA)"},
};

// Every test runs on SQLite, and on PostgreSQL when QIANTANG_TEST_PG is set.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto s = OpenStore(db_.url(), {});
    ASSERT_THAT(s, IsOk()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_THAT(Migrate(*store_, kSchema), IsOk());
  }

  int64_t Count() {
    int64_t n = -1;
    EXPECT_THAT(store_->Read([&](Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM items"));
      n = rows.at(0).Int(0);
      return OkStatus();
    }),
                IsOk());
    return n;
  }

  qt::testing::TestDatabase db_{GetParam()};
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(StoreTest, CommitsWhenTheCallbackSucceeds) {
  Status s = store_->Write([](Tx& tx) {
    return tx.Exec("INSERT INTO items VALUES (?, ?)", {std::string("a"), int64_t{1}}).status();
  });
  ASSERT_THAT(s, IsOk()) << s.ToString();
  EXPECT_EQ(Count(), 1);
}

TEST_P(StoreTest, RollsBackEverythingWhenTheCallbackFails) {
  Status s = store_->Write([](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO items VALUES ('a', 1)").status());
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO items VALUES ('b', 2)").status());
    return InvalidArgument("changed my mind");
  });
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(Count(), 0);
}

// Regression: a callback that threw kept its pooled connection checked out,
// and after a few every transaction waited forever.
TEST_P(StoreTest, ACallbackThatThrowsRollsBackAndFreesItsConnection) {
  for (int i = 0; i < 20; ++i) {
    Status s = store_->Write([](Tx& tx) -> Status {
      QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO items VALUES ('a', 1)").status());
      throw std::runtime_error("a JSON type error, say");
    });
    EXPECT_THAT(s, StatusIs(StatusCode::kInternal));
    EXPECT_NE(s.message().find("a JSON type error, say"), std::string::npos);
    EXPECT_THAT(store_->Read([](Tx&) -> Status { throw std::bad_alloc(); }),
                StatusIs(StatusCode::kInternal));
  }
  EXPECT_EQ(Count(), 0);
}

TEST_P(StoreTest, MapsConstraintViolationsToStatusCodes) {
  ASSERT_THAT(
      store_->Write([](Tx& tx) { return tx.Exec("INSERT INTO items VALUES ('a', 1)").status(); }),
      IsOk());
  Status dup =
      store_->Write([](Tx& tx) { return tx.Exec("INSERT INTO items VALUES ('a', 2)").status(); });
  EXPECT_THAT(dup, StatusIs(StatusCode::kConflict)) << dup.ToString();
  Status fk = store_->Write(
      [](Tx& tx) { return tx.Exec("INSERT INTO notes VALUES ('n', 'zz', NULL)").status(); });
  EXPECT_THAT(fk, StatusIs(StatusCode::kFailedPrecondition)) << fk.ToString();
}

TEST_P(StoreTest, ReadTransactionsRefuseWrites) {
  Status s =
      store_->Read([](Tx& tx) { return tx.Exec("INSERT INTO items VALUES ('a', 1)").status(); });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Count(), 0);
}

TEST_P(StoreTest, RoundTripsEveryValueType) {
  Bytes blob = {0, 1, 2, 255};
  ASSERT_THAT(store_->Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO items VALUES ('a', ?)", {int64_t{-(int64_t{1} << 62)}}).status());
    return tx.Exec("INSERT INTO notes VALUES ('n', 'a', ?)", {blob}).status();
  }),
              IsOk());
  ASSERT_THAT(store_->Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(
        Rows rows,
        tx.Query("SELECT i.n, n.body, n.id, NULL FROM items i JOIN notes n ON n.item = i.id"));
    EXPECT_EQ(rows.at(0).Int(0), -(int64_t{1} << 62));
    EXPECT_EQ(rows.at(0).Blob(1), blob);
    EXPECT_EQ(rows.at(0).Text(2), "n");
    EXPECT_TRUE(rows.at(0).IsNull(3));
    return OkStatus();
  }),
              IsOk());
}

TEST_P(StoreTest, ReadsColumnsByNameAndAlias) {
  ASSERT_THAT(
      store_->Write([&](Tx& tx) { return tx.Exec("INSERT INTO items VALUES ('a', 7)").status(); }),
      IsOk());
  ASSERT_THAT(store_->Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT i.n, i.id, COUNT(*) AS total FROM items i "
                                            "GROUP BY i.id, i.n"));
    const Row& r = rows.at(0);
    EXPECT_EQ(r.Text("id"), "a");
    EXPECT_EQ(r.Int("n"), 7);
    EXPECT_EQ(r.Int("total"), 1);
    EXPECT_TRUE(r.status().ok()) << r.status().ToString();
    return OkStatus();
  }),
              IsOk());
}

TEST_P(StoreTest, AMissingOrMistypedNamedColumnIsRemembered) {
  ASSERT_THAT(
      store_->Write([&](Tx& tx) { return tx.Exec("INSERT INTO items VALUES ('a', 7)").status(); }),
      IsOk());
  ASSERT_THAT(store_->Read([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, n FROM items"));
    Row copy = rows.at(0);  // its own first mismatch
    const Row& missing = rows.at(0);
    EXPECT_EQ(missing.Text("state"), "");
    EXPECT_THAT(missing.status().message(), HasSubstr("no column 'state'"));
    EXPECT_EQ(copy.Int("id"), 0);
    EXPECT_THAT(copy.status().message(), HasSubstr("column 'id': expected an integer"));
    return OkStatus();
  }),
              IsOk());
}

TEST_P(StoreTest, TransactionsReturnTheirValues) {
  Result<int64_t> written = WriteValue(*store_, [](Tx& tx) -> Result<int64_t> {
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO items VALUES ('a', 5)").status());
    return int64_t{5};
  });
  ASSERT_THAT(written, IsOk()) << written.status().ToString();
  EXPECT_EQ(*written, 5);
  Result<std::string> read = ReadValue(*store_, [](Tx& tx) -> Result<std::string> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id FROM items WHERE n = 5"));
    if (rows.empty()) return NotFound("no item");
    return rows[0].Text("id");
  });
  ASSERT_THAT(read, IsOk()) << read.status().ToString();
  EXPECT_EQ(*read, "a");
  // An error is returned, and what the write did before it is rolled back.
  Result<int64_t> failed = WriteValue(*store_, [](Tx& tx) -> Result<int64_t> {
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO items VALUES ('b', 6)").status());
    return FailedPrecondition("changed my mind");
  });
  EXPECT_THAT(failed, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(Count(), 1);
}

TEST_P(StoreTest, ConcurrentWritersAllCommit) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        EXPECT_THAT(store_->Write([&](Tx& tx) {
          return tx.Exec("INSERT INTO items VALUES (?, ?)", {id, int64_t{i}}).status();
        }),
                    IsOk());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Count(), 200);
}

TEST_P(StoreTest, MigrationsApplyOnceAndDataSurvivesReopen) {
  ASSERT_THAT(
      store_->Write([](Tx& tx) { return tx.Exec("INSERT INTO items VALUES ('a', 1)").status(); }),
      IsOk());
  store_.reset();
  auto reopened = OpenStore(db_.url(), {});
  ASSERT_THAT(reopened, IsOk());
  store_ = std::move(*reopened);
  ASSERT_THAT(Migrate(*store_, kSchema), IsOk());  // already applied: a no-op
  EXPECT_EQ(Count(), 1);
}

TEST_P(StoreTest, RefusesADatabaseWrittenByANewerBinary) {
  std::vector<Migration> older(kSchema.begin(), kSchema.begin() + 1);
  Status s = Migrate(*store_, older);
  EXPECT_THAT(s, StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_NE(s.message().find("test/2"), std::string::npos);
}

TEST_P(StoreTest, RefusesMisnumberedMigrations) {
  std::vector<Migration> gap = {{"other", 2, "skips 1", "SELECT 1"}};
  EXPECT_THAT(Migrate(*store_, gap), StatusIs(StatusCode::kInternal));
}

TEST_P(StoreTest, AppliesAModulesLaterMigrationGivenAfterAnotherModules) {
  const Migration a1{"a", 1, "makes t1", "CREATE TABLE a_t1 (x BIGINT)"};
  const Migration a2{"a", 2, "alters t1", "ALTER TABLE a_t1 ADD COLUMN y BIGINT"};
  const Migration b1{"b", 1, "makes t2", "CREATE TABLE b_t2 (x BIGINT)"};
  std::vector<Migration> split(kSchema.begin(), kSchema.end());
  split.insert(split.end(), {a1, b1, a2});
  ASSERT_THAT(Migrate(*store_, split), IsOk());  // a/2 is applied right after a/1
  std::vector<Migration> late(kSchema.begin(), kSchema.end());
  late.insert(late.end(), {a2, b1, a1});
  EXPECT_THAT(Migrate(*store_, late), IsOk());  // already applied, in any order given
  std::vector<Migration> twice = split;
  twice.push_back(b1);
  EXPECT_THAT(Migrate(*store_, twice), StatusIs(StatusCode::kInternal));
}

TEST(OpenStore, CreatesTheSqliteFolder) {
  qt::testing::TempDir dir;
  EXPECT_THAT(OpenStore("sqlite:" + dir.File("a/b/c.db"), {}), IsOk());
}

TEST(PgStore, NumbersPlaceholdersOutsideLiterals) {
  EXPECT_EQ(PgStore::NumberPlaceholders("SELECT ? FROM t WHERE a = '?' AND b = ?"),
            "SELECT $1 FROM t WHERE a = '?' AND b = $2");
}

TEST(PgStore, AnUnreachableServerIsAClearError) {
  auto s = OpenStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("cannot connect to PostgreSQL"), std::string::npos)
      << s.status().message();
}

TEST(OpenStore, RejectsUnknownUrls) {
  EXPECT_THAT(OpenStore("mysql://x", {}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenStore("sqlite:", {}), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace qt::store
