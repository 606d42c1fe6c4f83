"""Training of the baseline face-crop classifier (torch; never imported at run time)."""
