"""The Valued Worker Scheme's sign-up journey (seeds 000 to 002): its table (:mod:`.journey`),
its use cases (one module each: proposal, approvals, partners, route, plan, national, review,
revocation), its read models (:mod:`.status`), its forms and its entries in the dispatcher."""
