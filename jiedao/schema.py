"""The API schema documents the refusals every endpoint can answer, as the answers are: 400 (what was
wrong, by field), 403 (the role may not), 404 (not found, or outside the caller's scope) and 412 for a
write over a newer version. One place, so no endpoint forgets them."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="说明（中文）；字段错误时为各字段名对应的错误列表")


# A 400 is either the reason for the whole request ({"detail": "请求内容不是有效的 JSON。"}: a body that is no
# JSON, too large, a control character) or the errors by field, each a list of messages (a nested field,
# such as a visit's hazards, gives a list or a map of its own field errors).
FIELD_ERRORS = OpenApiResponse(
    response={"anyOf": [
        {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
        {"type": "object", "additionalProperties": {"anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"}]}},
    ], "description": "字段名 → 错误说明（中文）；或 detail：整个请求的错误说明"},
    description="请求有误：各字段的错误说明，或整个请求的错误说明")
REFUSALS = {
    "403": OpenApiResponse(ErrorSerializer, description="未登录，或您的角色无权进行此操作"),
    "404": OpenApiResponse(ErrorSerializer, description="未找到，或不在您的管辖范围内"),
}


class JiedaoAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        extra = {"400": FIELD_ERRORS, **REFUSALS}
        if self.method in ("PUT", "PATCH"):
            extra["412"] = OpenApiResponse(ErrorSerializer, description="已被他人修改（If-Match 不是当前版本）")
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
