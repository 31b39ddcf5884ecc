"""Routes of this app, mounted by clinic/urls.py (see clinic/routes.py for the clinic app itself).

api_urlpatterns:          under /api/v1/clinics/<clinic_slug>/
portal_api_urlpatterns:   under /api/v1/portal/
page_urlpatterns:         under /c/<clinic_slug>/
portal_page_urlpatterns:  under /portal/
"""

api_urlpatterns: list = []
portal_api_urlpatterns: list = []
page_urlpatterns: list = []
portal_page_urlpatterns: list = []
