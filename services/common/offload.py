"""Downloads handed to the gateway, like nginx's `X-Accel-Redirect`: the names both sides use.

The gateway, when it can fetch from the object store itself, says so on each request it
forwards: `X-Portal-Offload: <the store's origin>`. A service that has authorised a download
(and recorded it) and reaches the same store may then answer with no body and
`X-Portal-Object: <presigned URL of the object>`; the gateway GETs the same byte range from the
store and splices it to the client (gateway/offload.py). The bytes make one hop fewer and never
pass through the service. A client can send neither header (the gateway drops both) nor
receive one.
"""

OFFLOAD = "X-Portal-Offload"
OBJECT = "X-Portal-Object"
# How long a URL handed to the gateway stays valid: it is used at once, by the gateway alone.
URL_SECONDS = 60
