"""Credit wording shared by extraction (attribution) and spread (credit lines)."""

# The credit formulas of republishing in French, Spanish, Italian, German, Dutch and
# Portuguese ("publié initialement sur", "publicado originalmente en", "zuerst erschienen bei").
FIRST_PUBLISHED_ELSEWHERE = (
    r"(?:publi[ée]e?|paru|publicad[oa]|aparecid[oa]|pubblicat[oa]|apparso|ver[öo]ffentlicht"
    r"|erschienen|erschien|gepubliceerd|verschenen)\s+(?:initialement|d'abord|[àa] l'origine"
    r"|originellement|originalmente|primero|inicialmente|originariamente|per la prima volta"
    r"|zuerst|urspr[üu]nglich|erstmals|oorspronkelijk|eerder|pela primeira vez)"
    r"|(?:initialement|originalmente|originariamente|zuerst|urspr[üu]nglich|erstmals"
    r"|oorspronkelijk)\s+(?:publi[ée]e?|paru|publicad[oa]|pubblicat[oa]|ver[öo]ffentlicht"
    r"|erschienen|gepubliceerd|verschenen)"
)

# "Continue reading at <outlet>" in the same languages: WordPress core's translations of its
# "Continue reading" link ("Lire la suite", "Seguir leyendo", "Weiterlesen", "Continua a
# leggere", "Lees verder", "Continuar a ler"), and the "read the full article at" forms news
# aggregators add, each followed by a preposition so that a plain "read more" teaser link is not
# taken for a credit.
READ_ON_ELSEWHERE = (
    r"(?:lire la suite|lire l'article (?:complet|original)|la suite)\s+(?:sur|chez|dans)"
    r"|(?:seguir|sigue|siga|continuar|continúa|continua) leyendo\s+(?:en|el)"
    r"|(?:leer|lea|lee) (?:más|el artículo completo|la nota completa|el original)\s+en"
    r"|weiterlesen\s+(?:bei|auf|im|in)|(?:den )?(?:ganzen|vollständigen) artikel lesen\s+(?:bei|auf)"
    r"|continua(?:re)? a leggere\s+(?:su|sul|sulla)|leggi (?:tutto|l'articolo completo)\s+(?:su|sul)"
    r"|lees (?:verder|meer|het hele artikel)\s+(?:op|bij)|verder lezen\s+(?:op|bij)"
    r"|(?:continue lendo|continuar a ler|continuar lendo|leia (?:mais|a matéria completa))"
    r"\s+(?:em|no|na)"
)
