"""The REST API under /api/v1/: every app's routes, mounted here (configuration is the top layer).

Each app keeps its own `api/urls.py`; none includes another's.
"""

from desk.api import urls as desk_api_urls
from provenance.api import urls as provenance_api_urls
from teamwork.api import urls as teamwork_api_urls

app_name = "api"

urlpatterns = [
    *desk_api_urls.urlpatterns,
    *teamwork_api_urls.urlpatterns,
    *provenance_api_urls.urlpatterns,
]
