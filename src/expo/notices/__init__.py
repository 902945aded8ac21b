"""The versions of the personal-information notice, one TOML file each (read by
:mod:`expo.privacy`)."""
