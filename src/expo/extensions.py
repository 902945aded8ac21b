"""Flask extensions, created unbound and bound to an app in ``create_app``."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from expo.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()

# The base class of every model. Flask-SQLAlchemy builds ``db.Model`` at run time, which a
# type checker cannot follow; to it, models derive from the declarative base they share.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
