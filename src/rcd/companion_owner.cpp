// The mount's key source for the companion: the one SessionOwner. Kept apart from
// companion.cpp so programs and tests that bring their own KeySource need not link the owner.
#include "rcd/companion.hpp"

namespace ilo::rcd {
namespace {

class OwnerKeys final : public KeySource {
 public:
  explicit OwnerKeys(session::SessionOwner& owner) : owner_(owner) {}
  [[nodiscard]] std::optional<session::SessionKeys> keys() const override { return owner_.keys(); }
  void renew(std::uint64_t stale_generation) override { owner_.renew(stale_generation); }
  [[nodiscard]] std::shared_ptr<void> subscribe(
      session::SessionOwner::KeysHandler handler) override {
    return owner_.subscribe(std::move(handler));
  }

 private:
  session::SessionOwner& owner_;
};

}  // namespace

std::shared_ptr<KeySource> key_source(session::SessionOwner& owner) {
  return std::make_shared<OwnerKeys>(owner);
}

Companion::Companion(CompanionOptions options, session::SessionOwner& owner)
    : Companion(std::move(options), key_source(owner)) {}

}  // namespace ilo::rcd
