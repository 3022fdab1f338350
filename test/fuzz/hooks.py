"""Schemathesis hooks for TIP's OpenAPI document (loaded through SCHEMATHESIS_HOOKS)."""

import schemathesis
from hypothesis import strategies as st

# TIP's identifiers: 1 to 64 letters in any script, digits, "_", ".", "-" or parentheses. OpenAPI 3.0
# patterns cannot say \p{L}, so the document names the format and this is how to make one.
schemathesis.openapi.format(
    "identifier",
    st.text(
        alphabet=st.characters(categories=["L", "N"], include_characters="_.()（）-"),
        min_size=1,
        max_size=64,
    ),
)


@schemathesis.check
def documented_unavailability(ctx, response, case):
    """A 503 is documented only as VIEW_BEHIND (a view waited in vain) or UNAVAILABLE (the database is away)."""
    if response.status_code == 503 and not case.path.startswith("/api/health"):
        code = (response.json().get("error") or {}).get("code")
        if code not in ("VIEW_BEHIND", "UNAVAILABLE"):
            raise AssertionError(f"503 with code {code!r}: only VIEW_BEHIND and UNAVAILABLE are documented")
