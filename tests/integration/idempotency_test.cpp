// Idempotency-Key on creating writes (API.md): a retry returns the first answer; another body
// under the same key is 422.
#include <gtest/gtest.h>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"

namespace wangban::testing {
namespace {

nlohmann::json Registration(const std::string& phone) {
  return {{"name", "赵六"}, {"id_number", "11010519491231002X"}, {"phone", phone}, {"password", "Zx9!kq2#Lm"}};
}

class IdempotencyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(IdempotencyTest, RetriesReplayTheFirstAnswer) {
  const std::string db = DatabaseFor(GetParam());
  ASSERT_FALSE(db.empty());
  ServerProcess server({.db = db, .extra_args = {"--password-hash-cost", "minimum"}});
  ASSERT_TRUE(server.ok()) << server.output();
  auto client = server.client();
  auto first = client.PostJson("/api/v1/persons", Registration("13700000001"), {{"Idempotency-Key", "reg-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto retry = client.PostJson("/api/v1/persons", Registration("13700000001"), {{"Idempotency-Key", "reg-1"}});
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.Json()["id"], first.Json()["id"]);
  EXPECT_EQ(retry.Header("idempotent-replayed"), "true");
  // Without the key the same body is a duplicate registration.
  auto dup = client.PostJson("/api/v1/persons", Registration("13700000001"));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.Json()["code"], "already_registered");
  // The same key with another body is refused.
  auto other = client.PostJson("/api/v1/persons", Registration("13700000002"), {{"Idempotency-Key", "reg-1"}});
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.Json()["code"], "idempotency_key_reuse");
  // Failures are not stored: a corrected retry under a fresh key works, a bad key is refused.
  auto bad = client.PostJson("/api/v1/persons", Registration("123"), {{"Idempotency-Key", "reg-2"}});
  EXPECT_EQ(bad.status, 422);
  auto blank = client.PostJson("/api/v1/persons", Registration("13700000003"), {{"Idempotency-Key", "has space"}});
  EXPECT_EQ(blank.status, 422);
  EXPECT_EQ(blank.Json()["errors"][0]["field"], "Idempotency-Key");
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::testing
