"""The API's body parsers: DRF's, but a body holding a control character is refused (400) by name.

A NUL byte would pass a serializer's JSON or list field and reach PostgreSQL, which refuses it in text and
in JSON; a lone surrogate ("\\ud800") cannot even be encoded to be sent there. Kept apart from jiedao.api:
DRF reads these classes while its own views are being imported.
"""

from rest_framework import exceptions, parsers

from .params import CONTROL_MESSAGE, field_with_control_characters


class RefuseControlCharacters:
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        data = parsed.data if isinstance(parsed, parsers.DataAndFiles) else parsed
        name = field_with_control_characters(data)
        if name is not None:
            raise exceptions.ValidationError({name: [CONTROL_MESSAGE]})
        return parsed


class JSONParser(RefuseControlCharacters, parsers.JSONParser):
    pass


class FormParser(RefuseControlCharacters, parsers.FormParser):
    pass


class MultiPartParser(RefuseControlCharacters, parsers.MultiPartParser):
    pass
