"""Who may read appeals through the API: moderators every one, a reporter those it filed."""

from dashboard.api.permissions import CanReadClip


class CanReadAppeal(CanReadClip):
    """The clip rule applied to appeals: an appeal's `submitted_by` is who filed it."""

    message = "Your role cannot read this appeal."
