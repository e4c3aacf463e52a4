"""SOAP building blocks of the EWS replay server: envelopes, response messages, faults, restriction
matching and time parsing (calendar expansion lives in ``replay.ews_calendar``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from xml.sax.saxutils import escape

S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
ET.register_namespace("t", T)


def t(name: str) -> str:
    return f"{{{T}}}{name}"



def elem(name: str, text: str) -> ET.Element:
    elem = ET.Element(t(name))
    elem.text = text
    return elem


def ext_key(ref: ET.Element) -> tuple:
    return ((ref.get("PropertySetId") or ref.get("DistinguishedPropertySetId") or "").lower(),
            ref.get("PropertyName") or ref.get("PropertyTag") or ref.get("PropertyId"), ref.get("PropertyType"))


def matches(item, cond: ET.Element) -> bool:
    if cond.tag == t("And"):
        return all(matches(item, c) for c in cond)
    if cond.tag == t("Or"):
        return any(matches(item, c) for c in cond)
    if cond.tag == t("Not"):
        return not matches(item, cond[0])
    ref, constant = cond[0], cond.find(f"{t('FieldURIOrConstant')}/{t('Constant')}").get("Value")
    if ref.tag == t("ExtendedFieldURI"):
        value = item.ext.get(ext_key(ref))
    else:
        value = item.text(ref.get("FieldURI").split(":")[1])
    if cond.tag == t("IsEqualTo"):
        return value == constant
    raise ValueError(f"restriction {cond.tag} is not implemented by the replay server")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def ok(op: str, inner: str) -> str:
    return (f'<m:{op}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f'{inner}</m:{op}ResponseMessage>')


def error(op: str, code: str, text: str) -> str:
    return (f'<m:{op}ResponseMessage ResponseClass="Error"><m:MessageText>{escape(text)}</m:MessageText>'
            f'<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>'
            f'</m:{op}ResponseMessage>')


def not_found(op: str) -> str:
    return error(op, "ErrorItemNotFound", "The specified object was not found in the store.")


def envelope(op: str, messages: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{S}"><s:Header>'
            f'<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
            f'Version="V2017_07_11" xmlns:h="{T}" xmlns="{T}"/></s:Header><s:Body>'
            f'<m:{op}Response xmlns:m="{M}" xmlns:t="{T}"><m:ResponseMessages>{messages}</m:ResponseMessages>'
            f'</m:{op}Response></s:Body></s:Envelope>').encode()


def fault(back_off_ms: int) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{S}"><s:Body><s:Fault>'
            f'<faultcode xmlns:a="{T}">a:ErrorServerBusy</faultcode>'
            f'<faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.'
            f'</faultstring><detail><e:ResponseCode xmlns:e="{E}">ErrorServerBusy</e:ResponseCode>'
            f'<e:Message xmlns:e="{E}">'
            f'The server cannot service this request right now. Try again later.</e:Message>'
            f'<t:MessageXml xmlns:t="{T}"><t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value></t:MessageXml>'
            f'</detail></s:Fault></s:Body></s:Envelope>').encode()
