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
