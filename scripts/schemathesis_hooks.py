# Loaded by scripts/schemathesis.sh (SCHEMATHESIS_HOOKS): what the OpenAPI document cannot say.
# A "password" is 8 to 72 bytes of UTF-8 (bcrypt reads no further); JSON Schema counts characters only.
import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.format(
    "password",
    st.text(min_size=8, max_size=72).filter(lambda s: len(s.encode("utf-8", "surrogatepass")) <= 72),
)
