from tests.counselling.conftest import alice, bob, k01, make_case, sam, school  # noqa: F401
from tests.screening.conftest import campaign  # noqa: F401
