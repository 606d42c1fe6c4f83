from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The moderator's desk: queue, review page, upload, people and audit pages, the desk's API.

    It sits above the core (`dashboard`) and the satellites, and may import both; nothing
    below it imports the desk.
    """

    name = "desk"
    verbose_name = "Moderator's desk"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from desk.media import remember_wellness_at_login

        # Read the wellness preferences once per session, at login (desk.media).
        user_logged_in.connect(remember_wellness_at_login, dispatch_uid="unmask_wellness_at_login")
