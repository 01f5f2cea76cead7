// fleetctl offerings import FILE.csv [--skip-invalid] [--provider ID]; fleetctl offerings template TYPE.
#include <iostream>

#include <boost/json.hpp>

#include "fleetledger/events/offering_rules.hpp"
#include "fleetledger/producers/commands/offering_import.hpp"
#include "fleetledger/producers/commands/validation.hpp"
#include "publishing.hpp"
#include "subcommands.hpp"

namespace fleetledger::fleetctl {
namespace {

namespace pc = fleetledger::producers;

constexpr std::size_t max_csv_bytes = 2ULL * 1024 * 1024 * 1024;

boost::json::object issue_json(const pc::import_issue& i) {
  return {{"line", i.line}, {"column", i.column}, {"message", i.message}, {"text", i.to_string()}};
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
  const std::string& text = *new std::string(read_input(cl.args()[0], "offerings import", max_csv_bytes));

  // The plan and the envelopes are freed by the process exit, not by destructors: for 100,000 rows
  // freeing millions of small protobuf strings costs more than a tenth of the import's CPU time.
  pc::offering_import_plan& plan = *new pc::offering_import_plan(pc::plan_offering_import(text, options));
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

  std::vector<fleetledger::v1::Envelope>& envelopes = *new std::vector<fleetledger::v1::Envelope>();
  envelopes.reserve(plan.valid.size());
  for (auto& row : plan.valid) {
    fleetledger::v1::Envelope env = events::make_envelope(g.metadata);
    env.mutable_offering_published()->Swap(&row.offering);
    envelopes.push_back(std::move(env));
  }
  std::vector<events::record_position> positions;
  positions.reserve(envelopes.size());
  std::size_t failed = 0;
  std::string first_failure;
  std::size_t first_failed_line = 0;
  if (!envelopes.empty()) {
    auto publisher = make_publisher(g);
    const auto results = publisher.publish_all(envelopes);
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i]) {
        positions.push_back(*results[i]);
      } else {
        if (failed++ == 0) {
          first_failure = results[i].err().message;
          first_failed_line = plan.valid[i].line;
        }
      }
    }
  }
  summary["published"] = positions.size();
  summary["skipped"] = plan.invalid_lines.size();
  summary["skipped_lines"] = skipped_lines;
  summary["errors"] = errors;
  summary["unknown_columns"] = unknown;
  summary["failed"] = failed;
  if (!positions.empty()) {
    summary["first"] = position_json(positions.front());
    summary["last"] = position_json(positions.back());
  } else {
    summary["first"] = nullptr;
    summary["last"] = nullptr;
  }
  summary["min_offsets"] = min_offsets_of(positions);
  std::cout << boost::json::serialize(summary) << std::endl;
  if (failed > 0) {
    std::cerr << "fleetctl: offerings import: " << failed << " of " << envelopes.size()
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
