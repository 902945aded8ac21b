"""Forms for an event's custom questions: the shape of the input only.

Whether the choices fit the kind, and whether a change would orphan stored answers, is
decided in ``events.questions``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from expo.events.models import QUESTION_KIND_LABELS
from expo.fields import BaseForm, choices


class QuestionForm(BaseForm):
    kind = SelectField(
        _l("Kind of answer"),
        choices=choices((kind.value, label) for kind, label in QUESTION_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    label_zh = StringField(_l("Question (Chinese)"), validators=[Optional(), Length(max=300)])
    label_en = StringField(_l("Question (English)"), validators=[Optional(), Length(max=300)])
    help_zh = StringField(_l("Help text (Chinese)"), validators=[Optional(), Length(max=500)])
    help_en = StringField(_l("Help text (English)"), validators=[Optional(), Length(max=500)])
    required = BooleanField(_l("Applicants must answer"))
    choices_text = TextAreaField(
        _l("Choices"),
        description=_l(
            "Only for “One choice” and “Several choices”: one choice per line, the Chinese "
            "and the English separated by a bar, e.g. 食品饮料 | Food and beverages."
        ),
        validators=[Optional(), Length(max=30000)],
        render_kw={"rows": 6},
    )


class AnswerPreviewForm(BaseForm):
    """The base of the preview organizers see of the applicants' fields; never submitted."""

    class Meta:
        csrf = False
