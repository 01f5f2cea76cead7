#pragma once
// The small hand-made fleet the reader integration tests publish, and JSON helpers for them.
//
// Tenants: t-provider (provider, owns the marketplace clusters), t-acme (tier 3 then 2), t-globex
// (tier 1), t-initech (tier 0). Official cluster of every tenant: c-hub-eu.
// Clusters (5 live + 1 deleted):
//   c-hub-eu      hub-eu         HUB      PRODUCTION  eu-west  tier=gold   ONLINE 100, 4 GPUs, CNF VDU,
//                                credentials (SealedSecret), PUBLIC FREE_UNMETERED, no approval
//   c-spoke-us    spoke-us       SPOKE    STAGING     us-east  tier=silver DEGRADED 80 (prometheus down),
//                                PUBLIC MONTHLY 5000 tier>=2 requires approval
//   c-edge-ap     edge-ap        EDGE     DEVELOPMENT ap-south tier=bronze OFFLINE 50 (API down), UNLISTED METERED
//   c-far-lab     far-lab        FAR_EDGE LAB         eu-west  tier=gold   never checked (UNKNOWN), CNF UPF,
//                                PRIVATE CUSTOM, invite inv-acme targeted at t-acme, inv-old revoked
//   c-globex-priv globex-private EDGE     PRODUCTION  us-east  (no labels) TENANT_PRIVATE owned by t-globex,
//                                PRIVATE, never checked
//   c-gone        gone-cluster   registered then deleted
// Subscriptions (every state):
//   s-acme-spoke     t-acme    c-spoke-us  PENDING -> ACTIVE (owner approves)
//   s-globex-spoke   t-globex  c-spoke-us  PENDING; approval by t-acme (not the owner) is REFUSED
//   s-initech-spoke  t-initech c-spoke-us  PENDING -> REJECTED
//   s-acme-hub       t-acme    c-hub-eu    ACTIVE -> SUSPENDED
//   s-globex-hub     t-globex  c-hub-eu    ACTIVE -> SUSPENDED -> ACTIVE (reinstated)
//   s-initech-hub    t-initech c-hub-eu    ACTIVE -> CANCELLED
//   s-acme-far       t-acme    c-far-lab   ACTIVE (invite), peered (stream "acme-live")
// Preferred: t-acme -> c-spoke-us (ACTIVE: effective); t-globex -> c-spoke-us (PENDING: falls back).
// Edges: c-hub-eu 3 (Amsterdam), c-spoke-us 3 (New York), c-far-lab 2 (one draining).
// Offerings by t-provider: o-gpu (gpu, DE, 900), o-colo (colocation, US, 300), o-k8s (kubernetes, DE,
// 120), o-saas (saas, NL, 20); o-bad-gpu (gpu without gpu_model) must be rejected.
#include <boost/json.hpp>

#include <algorithm>

#include <string>
#include <vector>

#include "support/fleet_events.hpp"
#include "support/stack_process.hpp"

namespace reader_test {

namespace ft = fleetledger::testing;
namespace fev = fleetledger::testing::fleet_events;
namespace v1 = fleetledger::v1;

// Distinctive secret material: none of it (in any encoding) may appear in a reader response.
inline const std::string secret_nonce = "NONCEsentnl1";  // 12 bytes
inline const std::string secret_ciphertext = "CIPHERTEXT-SENTINEL-kubeconfig-7f3a9c";
inline const std::string secret_tag = "TAGsentinel-16b!";  // 16 bytes
inline const std::string secret_plaintext = "PLAINTEXT-KUBECONFIG-SENTINEL";
inline const std::string secret_fingerprint = fev::fake_sha256(secret_plaintext);

inline std::string base64(const std::string& in) {
  static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += i + 1 < in.size() ? tbl[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

inline std::string hex(const std::string& in) {
  static constexpr char h[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : in) {
    out += h[c >> 4];
    out += h[c & 15];
  }
  return out;
}

// Every form in which the secret could leak into a response (raw, base64 without padding, hex).
inline std::vector<std::string> secret_needles() {
  std::vector<std::string> out;
  for (const auto& s : {secret_nonce, secret_ciphertext, secret_tag, secret_plaintext}) {
    out.push_back(s);
    auto b = base64(s);
    while (!b.empty() && b.back() == '=') b.pop_back();
    // A prefix long enough to be unambiguous (base64 of a prefix is a prefix of base64).
    out.push_back(b.substr(0, 12));
    out.push_back(hex(s).substr(0, 16));
  }
  return out;
}

inline void publish_fleet(ft::stack_process& s) {
  using fev::cluster_spec;
  std::vector<v1::Envelope> ev;
  ev.push_back(fev::tenant_created("t-provider", "Provider", true));
  ev.push_back(fev::tenant_created("t-acme", "Acme", false));
  ev.push_back(fev::tenant_created("t-globex", "Globex", false));
  ev.push_back(fev::tenant_created("t-initech", "Initech", false));

  ev.push_back(fev::cluster_registered({.id = "c-hub-eu", .name = "hub-eu", .owner = "t-provider",
                                        .type = v1::CLUSTER_TYPE_HUB, .environment = v1::ENVIRONMENT_PRODUCTION,
                                        .region = "eu-west", .labels = {{"tier", "gold"}, {"team", "core"}},
                                        .lat = 52.37, .lon = 4.90, .country = "NL",
                                        .cluster_class = v1::CLUSTER_CLASS_PLATFORM_OFFICIAL}));
  ev.push_back(fev::cluster_registered({.id = "c-spoke-us", .name = "spoke-us", .owner = "t-provider",
                                        .type = v1::CLUSTER_TYPE_SPOKE, .environment = v1::ENVIRONMENT_STAGING,
                                        .region = "us-east", .labels = {{"tier", "silver"}},
                                        .lat = 40.71, .lon = -74.0, .country = "US"}));
  ev.push_back(fev::cluster_registered({.id = "c-edge-ap", .name = "edge-ap", .owner = "t-provider",
                                        .type = v1::CLUSTER_TYPE_EDGE, .environment = v1::ENVIRONMENT_DEVELOPMENT,
                                        .region = "ap-south", .labels = {{"tier", "bronze"}},
                                        .lat = 19.07, .lon = 72.87, .country = "IN"}));
  ev.push_back(fev::cluster_registered({.id = "c-far-lab", .name = "far-lab", .owner = "t-provider",
                                        .type = v1::CLUSTER_TYPE_FAR_EDGE, .environment = v1::ENVIRONMENT_LAB,
                                        .region = "eu-west", .labels = {{"tier", "gold"}},
                                        .lat = 48.85, .lon = 2.35, .country = "FR"}));
  ev.push_back(fev::cluster_registered({.id = "c-globex-priv", .name = "globex-private", .owner = "t-globex",
                                        .type = v1::CLUSTER_TYPE_EDGE, .environment = v1::ENVIRONMENT_PRODUCTION,
                                        .region = "us-east", .lat = 37.77, .lon = -122.4, .country = "US",
                                        .cluster_class = v1::CLUSTER_CLASS_TENANT_PRIVATE}));
  ev.push_back(fev::cluster_registered({.id = "c-gone", .name = "gone-cluster", .owner = "t-provider",
                                        .type = v1::CLUSTER_TYPE_SPOKE, .region = "eu-west"}));
  ev.push_back(fev::cluster_deleted("c-gone", "t-provider"));

  ev.push_back(fev::health_checked("c-hub-eu", true, true, true, true));
  ev.push_back(fev::health_checked("c-spoke-us", true, false, true, true));
  ev.push_back(fev::health_checked("c-edge-ap", false, true, true, true));
  ev.push_back(fev::capabilities_changed("c-hub-eu", 4, {"nvidia-a100"}, {v1::CNF_TYPE_VDU}));
  ev.push_back(fev::capabilities_changed("c-far-lab", 0, {}, {v1::CNF_TYPE_UPF}));
  ev.push_back(fev::credentials_stored("c-hub-eu", "t-provider", secret_fingerprint, secret_nonce, secret_ciphertext,
                                       secret_tag));

  ev.push_back(fev::marketplace_updated("c-hub-eu", "t-provider",
                                        {.visibility = v1::VISIBILITY_PUBLIC, .pricing = v1::PRICING_MODEL_FREE_UNMETERED}));
  ev.push_back(fev::marketplace_updated("c-spoke-us", "t-provider",
                                        {.visibility = v1::VISIBILITY_PUBLIC, .pricing = v1::PRICING_MODEL_MONTHLY,
                                         .monthly_price_cents = 5000, .required_tier_level = 2,
                                         .requires_approval = true}));
  ev.push_back(fev::marketplace_updated("c-edge-ap", "t-provider",
                                        {.visibility = v1::VISIBILITY_UNLISTED, .pricing = v1::PRICING_MODEL_METERED}));
  ev.push_back(fev::marketplace_updated("c-far-lab", "t-provider",
                                        {.visibility = v1::VISIBILITY_PRIVATE, .pricing = v1::PRICING_MODEL_CUSTOM}));
  ev.push_back(fev::marketplace_updated("c-globex-priv", "t-globex",
                                        {.visibility = v1::VISIBILITY_PRIVATE, .pricing = v1::PRICING_MODEL_FREE_UNMETERED}));
  ev.push_back(fev::invite_created("c-far-lab", "t-provider", "inv-acme", fev::fake_sha256("invite-acme"), "t-acme"));
  ev.push_back(fev::invite_created("c-far-lab", "t-provider", "inv-old", fev::fake_sha256("invite-old"), std::nullopt));
  ev.push_back(fev::invite_revoked("c-far-lab", "t-provider", "inv-old"));

  ev.push_back(fev::tier_changed("t-acme", 3, "c-hub-eu"));
  ev.push_back(fev::tier_changed("t-globex", 1, "c-hub-eu"));
  ev.push_back(fev::tier_changed("t-initech", 0, "c-hub-eu"));
  ev.push_back(fev::tier_changed("t-acme", 2, "c-hub-eu"));  // a tier change: still eligible for tier 2

  ev.push_back(fev::subscription_requested("c-spoke-us", "s-acme-spoke", "t-acme"));
  ev.push_back(fev::subscription_approved("c-spoke-us", "s-acme-spoke", "t-provider"));
  ev.push_back(fev::subscription_requested("c-spoke-us", "s-globex-spoke", "t-globex"));
  ev.push_back(fev::subscription_approved("c-spoke-us", "s-globex-spoke", "t-acme"));  // not the owner: refused
  ev.push_back(fev::subscription_requested("c-spoke-us", "s-initech-spoke", "t-initech"));
  ev.push_back(fev::subscription_rejected("c-spoke-us", "s-initech-spoke", "t-provider"));
  ev.push_back(fev::subscription_requested("c-hub-eu", "s-acme-hub", "t-acme"));
  ev.push_back(fev::subscription_suspended("c-hub-eu", "s-acme-hub", "t-provider"));
  ev.push_back(fev::subscription_requested("c-hub-eu", "s-globex-hub", "t-globex"));
  ev.push_back(fev::subscription_suspended("c-hub-eu", "s-globex-hub", "t-provider"));
  ev.push_back(fev::subscription_reinstated("c-hub-eu", "s-globex-hub", "t-provider"));
  ev.push_back(fev::subscription_requested("c-hub-eu", "s-initech-hub", "t-initech"));
  ev.push_back(fev::subscription_cancelled("c-hub-eu", "s-initech-hub", "t-initech"));
  ev.push_back(fev::subscription_requested("c-far-lab", "s-acme-far", "t-acme", fev::fake_sha256("invite-acme")));
  ev.push_back(fev::peering_activated("c-far-lab", "t-acme", "acme-live"));
  ev.push_back(fev::preferred_set("t-acme", "c-spoke-us"));
  ev.push_back(fev::preferred_set("t-globex", "c-spoke-us"));

  ev.push_back(fev::edge_summary("c-hub-eu", {{.node_id = "hub-eu-e1", .lat = 52.37, .lon = 4.90, .cpu_percent = 10},
                                              {.node_id = "hub-eu-e2", .lat = 52.37, .lon = 4.90, .cpu_percent = 50},
                                              {.node_id = "hub-eu-e3", .lat = 50.11, .lon = 8.68, .cpu_percent = 30}}));
  ev.push_back(fev::edge_summary("c-spoke-us", {{.node_id = "spoke-us-e1", .lat = 40.71, .lon = -74.0},
                                                {.node_id = "spoke-us-e2", .lat = 40.71, .lon = -74.0, .cpu_percent = 90},
                                                {.node_id = "spoke-us-e3", .lat = 42.36, .lon = -71.06}}));
  ev.push_back(fev::edge_summary("c-far-lab", {{.node_id = "far-lab-e1", .lat = 48.85, .lon = 2.35},
                                               {.node_id = "far-lab-e2", .lat = 48.85, .lon = 2.35, .draining = true}}));

  ev.push_back(fev::offering_published({.provider = "t-provider", .id = "o-gpu", .name = "GPU box", .product_type = "gpu",
                                        .country = "DE", .monthly_price = 900}));
  ev.push_back(fev::offering_published({.provider = "t-provider", .id = "o-colo", .name = "Quarter rack",
                                        .product_type = "colocation", .country = "US", .monthly_price = 300}));
  ev.push_back(fev::offering_published({.provider = "t-provider", .id = "o-k8s", .name = "Managed k8s",
                                        .product_type = "kubernetes", .country = "DE", .monthly_price = 120}));
  ev.push_back(fev::offering_published({.provider = "t-provider", .id = "o-saas", .name = "Grafana",
                                        .product_type = "saas", .country = "NL", .monthly_price = 20}));
  ev.push_back(fev::offering_published({.provider = "t-provider", .id = "o-bad-gpu", .name = "Broken GPU",
                                        .product_type = "gpu", .country = "DE", .monthly_price = 50,
                                        .omit_required = true}));
  // One at a time keeps the per-key order trivially (publish_all keeps it too, but this is small).
  (void)s.publish_all(ev);
}

// --- JSON helpers ---

inline const boost::json::object& obj(const boost::json::value& v) { return v.as_object(); }

inline std::string str(const boost::json::value& v, std::string_view key) {
  const auto* p = v.as_object().if_contains(key);
  return p != nullptr && p->is_string() ? std::string(p->as_string()) : std::string();
}

inline double num(const boost::json::value& v, std::string_view key) {
  const auto* p = v.as_object().if_contains(key);
  if (p == nullptr) return -1e300;
  if (p->is_int64()) return static_cast<double>(p->as_int64());
  if (p->is_uint64()) return static_cast<double>(p->as_uint64());
  if (p->is_double()) return p->as_double();
  return -1e300;
}

inline const boost::json::array& items(const boost::json::value& v) {
  static const boost::json::array empty;
  const auto* p = v.as_object().if_contains("items");
  return p != nullptr && p->is_array() ? p->as_array() : empty;
}

// Sorted values of `key` over a list response's items.
inline std::vector<std::string> ids(const boost::json::value& v, std::string_view key = "cluster_id") {
  std::vector<std::string> out;
  for (const auto& i : items(v)) out.push_back(str(i, key));
  std::sort(out.begin(), out.end());
  return out;
}

// Count of a map entry like {"by_state":{"ONLINE":1}} (0 when missing).
inline double count_in(const boost::json::value& v, std::string_view map, std::string_view key) {
  const auto* m = v.as_object().if_contains(map);
  if (m == nullptr || !m->is_object()) return 0;
  return num(*m, key) < -1e299 ? 0 : num(*m, key);
}

// Every value under `key` anywhere in the document.
inline void collect(const boost::json::value& v, std::string_view key, std::vector<boost::json::value>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      if (k == key) out.push_back(child);
      collect(child, key, out);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) collect(child, key, out);
  }
}

}  // namespace reader_test
