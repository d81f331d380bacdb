"""Stop words for English, Spanish and French, merged: notes of one call often mix languages."""

from __future__ import annotations

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_SPANISH = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el
ella ellas ellos en entre era eran es esa esas ese eso esos esta estaba estaban estamos estan
estar estas este esto estos fue fueron ha haber habia han hasta hay la las le les lo los mas me
mi mis mucho muy nada ni no nos nosotras nosotros nuestra nuestras nuestro nuestros o os otra
otras otro otros para pero poco por porque que quien quienes se sea sean ser si sido sin sobre
son su sus tambien tanto te tener tenemos tiene tienen todo todos tu tus un una unas uno unos y
ya yo más está están también qué cómo cuándo dónde sí él había así muchas muchos hace hacer
podemos puede pueden cada otra vez hemos
"""

_FRENCH = """
a au aux avec avons ce ces cette comme dans de des du elle elles en est et été être eux il ils
je la le les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour
qu que qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous y à ça cela ceux
donc plus très tout tous toutes fait faire peut peuvent aussi avoir ont était sans entre chaque
bien encore si quand comment c d j l m n s t
"""

# The words of privacy.py's placeholders: a scrubbed name must not become a keyphrase.
_PLACEHOLDERS = "participant organisation"

STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    (_SPANISH + _FRENCH + _PLACEHOLDERS).split()
)
