// fleetctl offerings import FILE.csv [--skip-invalid] [--provider ID]; fleetctl offerings template TYPE.
#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>

#include <boost/json.hpp>

#include "fleetledger/events/encoded_batch.hpp"
#include "fleetledger/events/offering_rules.hpp"
#include "fleetledger/producers/commands/offering_import.hpp"
#include "fleetledger/producers/commands/validation.hpp"
#include "input_buffer.hpp"
#include "publishing.hpp"
#include "subcommands.hpp"

namespace fleetledger::fleetctl {
namespace {

namespace pc = fleetledger::producers;

constexpr std::size_t max_csv_bytes = 2ULL * 1024 * 1024 * 1024;

boost::json::object issue_json(const pc::import_issue& i) {
  return {{"line", i.line}, {"column", i.column}, {"message", i.message}, {"text", i.to_string()}};
}

// Files from this size on are checked in parts on several threads (when the file is clean; see
// check_clean_offering_import): a 100,000-row file is ~14 MB.
constexpr std::size_t parallel_check_bytes = 1024 * 1024;

// The valid rows of an import, encoded while they are checked, one batch per part of the file.
struct encoded_rows {
  std::vector<events::encoded_batch> batches;
  std::vector<std::size_t> lines;                                // CSV line of each record, batch after batch
  std::vector<std::pair<std::size_t, std::string>> unencodable;  // line, why (no route: not for a valid row)
};

// Checks the file and encodes each valid row into an envelope as soon as it is checked: in parts on
// every core for a large clean file (check_clean_offering_import writes the rows' wire format
// itself), else (or when a part finds a problem) on this thread, so the plan is always
// check_offering_import's. Nothing is published here.
pc::offering_import_plan check_and_encode(std::string_view text, const pc::offering_import_options& options,
                                          const events::event_metadata& metadata, encoded_rows& out) {
  struct part {
    fleetledger::v1::Envelope env;  // reused for every row of the part
    std::vector<std::size_t> lines;
    std::vector<std::pair<std::size_t, std::string>> unencodable;
  };
  std::vector<part> parts;
  const auto reset = [&](std::size_t count) {
    out.batches = std::vector<events::encoded_batch>(count);
    parts = std::vector<part>(count);
    for (auto& b : out.batches) b.reserve(text.size() / count / 64 + 16);  // a guess; avoids most regrowth
  };
  const auto keep = [&](std::size_t k, std::size_t line, const events::result<void>& added) {
    if (!added) {
      parts[k].unencodable.emplace_back(line, added.err().message);
      return;
    }
    parts[k].lines.push_back(line);
  };
  const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  // Every event of one import occurs when it is checked: one clock read, not one per row.
  const auto occurred_at = std::chrono::system_clock::now();
  std::optional<pc::offering_import_plan> plan;
  if (text.size() >= parallel_check_bytes) {
    // Large files: rows arrive as wire bytes; the batch writes the envelope around them. Four parts
    // per thread, so a thread that loses its core for a while holds up less of the check.
    const std::size_t part_count = threads * 4;
    reset(part_count);
    std::vector<pc::encoded_offering_sink> sinks;
    for (std::size_t k = 0; k < part_count; ++k) {
      sinks.push_back([&, k](std::size_t line, std::string_view provider_id, std::string_view offering) {
        keep(k, line, out.batches[k].add(metadata, fleetledger::v1::Envelope::kOfferingPublishedFieldNumber,
                                         provider_id, offering, occurred_at));
      });
    }
    plan = pc::check_clean_offering_import(text, options, sinks, threads);
  }
  if (!plan) {
    reset(1);
    plan = pc::check_offering_import(text, options, [&](std::size_t line, fleetledger::v1::OfferingPublished& offering) {
      part& p = parts[0];
      events::fill_envelope(p.env, metadata, occurred_at);
      p.env.mutable_offering_published()->Swap(&offering);  // the importer clears and reuses what it gets back
      keep(0, line, out.batches[0].add(p.env));
    });
  }
  for (auto& p : parts) {
    out.lines.insert(out.lines.end(), p.lines.begin(), p.lines.end());
    out.unencodable.insert(out.unencodable.end(), p.unencodable.begin(), p.unencodable.end());
  }
  return std::move(*plan);
}

int run_import(const std::vector<std::string>& args) {
  events::command_line cl("fleetctl offerings import",
                          "Import offerings from a CSV file: one OfferingPublished (upsert by provider_id, offering_id) per row");
  add_global_options(cl);
  cl.option("provider", "", "", "provider id for rows without a provider_id cell (or a file without that column)")
      .toggle("skip-invalid", "", "publish the valid rows and report the invalid ones (default: publish nothing if any row is invalid)")
      .positionals("FILE.csv ('-' = stdin)")
      .epilog(
          "Columns are matched by header name in any order (see `fleetctl offerings template TYPE`); unknown\n"
          "columns are reported and ignored; empty cells leave the field unset. Lists (features,\n"
          "payment_methods) are separated by ';'. Booleans: true/false, yes/no, 1/0.\n"
          "Output: one JSON summary {rows, published, skipped, skipped_lines, errors, unknown_columns, first,\n"
          "last, min_offsets}. Exit 2 when the file has errors (nothing published unless --skip-invalid).\n\n"
          "example:\n  fleetctl offerings import offerings.csv --provider acme\n"
          "  fleetctl offerings import offerings.csv --skip-invalid\n");
  auto parsed = cl.parse(args);
  if (!parsed) throw fatal{exit_bad_input, parsed.err().message};
  if (*parsed == events::command_line::outcome::exit_ok) return exit_ok;
  if (cl.args().size() != 1) throw fatal{exit_bad_input, "offerings import needs exactly one FILE.csv (see --help)"};
  const auto g = read_global_options(cl);
  pc::offering_import_options options;
  options.default_provider_id = cl.get("provider");
  if (!options.default_provider_id.empty()) {
    if (auto r = pc::validate_id(options.default_provider_id); !r) throw fatal{exit_bad_input, "--provider: " + r.err().message};
  }
  const bool skip_invalid = cl.enabled("skip-invalid");
  // The producer is created (librdkafka's threads: 1.5 ms) on another thread and connects (bootstrap,
  // metadata, producer id) in its own while the file is read and checked; nothing is sent before the
  // whole file has been checked. A config error is reported only if there is something to publish.
  struct made_publisher {
    std::optional<events::publisher> publisher;
    std::string error;
  };
  auto publisher_ready = std::async(std::launch::async, [&g] {
    made_publisher out;
    try {
      out.publisher.emplace(make_publisher(g));
    } catch (const fatal& f) {
      out.error = f.message;
    }
    return out;
  });
  const input_buffer input = input_buffer::read(cl.args()[0], "offerings import", max_csv_bytes);
  const std::string_view text = input.view();

  encoded_rows rows;
  const pc::offering_import_plan plan = check_and_encode(text, options, g.metadata, rows);
  if (!plan.unknown_columns.empty()) {
    std::string names;
    for (const auto& c : plan.unknown_columns) names += (names.empty() ? "" : ", ") + c;
    std::cerr << "fleetctl: warning: unknown columns ignored: " << names << "\n";
  }

  boost::json::object summary;
  summary["rows"] = plan.rows;
  boost::json::array errors;
  for (const auto& e : plan.errors) errors.push_back(issue_json(e));
  boost::json::array unknown;
  for (const auto& c : plan.unknown_columns) unknown.emplace_back(c);
  boost::json::array skipped_lines;
  for (auto l : plan.invalid_lines) skipped_lines.push_back(l);

  const bool refuse = plan.file_error || (!plan.errors.empty() && !skip_invalid);
  if (refuse) {
    summary["published"] = 0;
    summary["skipped"] = plan.rows;
    summary["invalid_lines"] = skipped_lines;
    summary["errors"] = errors;
    summary["unknown_columns"] = unknown;
    std::cout << boost::json::serialize(summary) << std::endl;
    std::cerr << "fleetctl: offerings import: " << plan.errors.size() << " error(s)"
              << (plan.file_error ? "" : " in " + std::to_string(plan.invalid_lines.size()) + " row(s)")
              << ", nothing published (first: " << plan.errors.front().to_string() << ")"
              << (plan.file_error ? "" : "; use --skip-invalid to publish the valid rows") << "\n";
    return exit_bad_input;
  }

  std::size_t failed = rows.unencodable.size();
  std::string first_failure = rows.unencodable.empty() ? "" : rows.unencodable.front().second;
  std::size_t first_failed_line = rows.unencodable.empty() ? 0 : rows.unencodable.front().first;
  events::bulk_outcome outcome;
  made_publisher made = publisher_ready.get();
  auto& publisher = made.publisher;
  if (!rows.lines.empty()) {
    if (!publisher) throw fatal{exit_bad_input, made.error};
    outcome = publisher->publish_all(rows.batches);
    for (const auto& [i, e] : outcome.errors) {
      if (failed++ == 0 || rows.lines[i] < first_failed_line) {
        first_failure = e.message;
        first_failed_line = rows.lines[i];
      }
    }
  }
  const std::size_t published = outcome.size() - outcome.errors.size();
  summary["published"] = published;
  summary["skipped"] = plan.invalid_lines.size();
  summary["skipped_lines"] = skipped_lines;
  summary["errors"] = errors;
  summary["unknown_columns"] = unknown;
  summary["failed"] = failed;
  // The first and last records published, in file order.
  summary["first"] = nullptr;
  summary["last"] = nullptr;
  for (std::size_t i = 0; i < outcome.size(); ++i) {
    if (outcome.acks[i]) {
      summary["first"] = position_json(*outcome.at(i));
      break;
    }
  }
  for (std::size_t i = outcome.size(); i-- > 0;) {
    if (outcome.acks[i]) {
      summary["last"] = position_json(*outcome.at(i));
      break;
    }
  }
  summary["min_offsets"] = min_offsets_of(outcome);
  std::cout << boost::json::serialize(summary) << std::endl;
  if (failed > 0) {
    std::cerr << "fleetctl: offerings import: " << failed << " of " << rows.lines.size() + rows.unencodable.size()
              << " records were not published (first at line " << first_failed_line << ": " << first_failure << ")\n";
    return exit_failed;
  }
  return exit_ok;
}

int run_template(const std::vector<std::string>& args) {
  events::command_line cl("fleetctl offerings template", "Print the CSV header row for a product type");
  cl.positionals("TYPE").epilog(
      "Known types: compute, dedicated, gpu, colocation, saas, validator, container, object_storage, nas,\n"
      "kubernetes (any other type gets the common columns).\n\nexample:\n  fleetctl offerings template gpu > gpu.csv\n");
  auto parsed = cl.parse(args);
  if (!parsed) throw fatal{exit_bad_input, parsed.err().message};
  if (*parsed == events::command_line::outcome::exit_ok) return exit_ok;
  if (cl.args().size() != 1 || pc::trim(cl.args()[0]).empty()) {
    throw fatal{exit_bad_input, "offerings template needs one TYPE (e.g. gpu)"};
  }
  std::cout << pc::offering_template_header(cl.args()[0]) << "\n";
  return exit_ok;
}

}  // namespace

int run_offerings(const std::string& verb, const std::vector<std::string>& args) {
  if (verb == "import") return run_import(args);
  if (verb == "template") return run_template(args);
  throw fatal{exit_bad_input, "unknown command 'offerings " + verb + "' (import, template)"};
}

}  // namespace fleetledger::fleetctl
