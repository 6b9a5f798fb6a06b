// The safetensors format's own cases (tests/data/safetensors-spec/, written
// by its generate.py from the reference implementation's tests and attacks):
// each file is accepted or refused as the reference reader does, with our
// message, except where index.json says why ours is stricter.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/errors.hpp"
#include "core/idx.hpp"
#include "core/safetensors.hpp"

using nlohmann::json;

namespace {

const std::filesystem::path kDir =
    std::filesystem::path(__FILE__).parent_path() / ".." / "data" / "safetensors-spec";

json index_of_cases() {
  std::ifstream in(kDir / "index.json");
  REQUIRE(in.good());
  return json::parse(in);
}

}  // namespace

TEST_CASE("the safetensors reference's cases are accepted or refused as it does", "[safetensors][spec]") {
  const json cases = index_of_cases();
  REQUIRE(cases.size() >= 30);
  int accepted = 0, refused = 0, stricter = 0;
  for (const json& c : cases) {
    const std::string file = c.at("file");
    CAPTURE(file, c.at("what").get<std::string>());
    const std::vector<std::uint8_t> bytes = mlp::read_file((kDir / file).string());
    CHECK(bytes.size() == c.at("size").get<std::size_t>());
    std::string outcome = "accept", message;
    std::size_t tensors = 0;
    try {
      tensors = mlp::parse_safetensors(bytes.data(), bytes.size()).tensors.size();
    } catch (const mlp::ModelFileError& e) {
      outcome = "reject";
      message = e.what();
    }
    CHECK(outcome == c.at("ours").get<std::string>());
    if (c.at("ours") == "reject") {
      CHECK(message == "model file: " + c.at("message").get<std::string>());
      ++refused;
    } else {
      CHECK(tensors == c.at("tensors").get<std::size_t>());
      ++accepted;
    }
    // Ours differs from the reference's outcome only where the index says why.
    if (c.at("ours") != c.at("reference")) {
      CHECK(c.at("ours") == "reject");
      CHECK(c.contains("stricter"));
      ++stricter;
    } else {
      CHECK_FALSE(c.contains("stricter"));
    }
  }
  CHECK(accepted >= 10);
  CHECK(refused >= 20);
  CHECK(stricter == 4);
}

TEST_CASE("every file of the spec cases is in its index, and only those", "[safetensors][spec]") {
  std::set<std::string> listed, present;
  for (const json& c : index_of_cases()) listed.insert(c.at("file").get<std::string>());
  for (const auto& entry : std::filesystem::directory_iterator(kDir))
    if (entry.path().extension() == ".safetensors") present.insert(entry.path().filename().string());
  CHECK(listed == present);
}
