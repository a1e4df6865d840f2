package cli

import (
	"regexp"
	"strings"
)

// masked stands for a password in everything the command prints.
const masked = "xxxxx"

var (
	// reUserinfo finds the password of a URL: scheme://user:password@.
	reUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):[^\s@/]*@`)
	// rePasswordParam finds password=value in a URL's query or in a
	// key/value DSN (PostgreSQL's "host=db password='a b'").
	rePasswordParam = regexp.MustCompile(`(?i)\b(password|passwd|pass|sslpassword)=('(?:[^'\\]|\\.)*'|[^\s&'",;)]*)`)
)

// mask replaces the password where a message holds it as a password: the
// password field of a URL, a password= parameter, and user:password@ in
// a driver's DSN, for each spelling of the configured password in
// secrets. The same text elsewhere is left alone: replacing every
// occurrence of a short password such as "e", or of one equal to the user
// name, garbled the message around it ("connxxxxxct", "user=xxxxx").
func mask(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, ":"+s+"@", ":"+masked+"@")
		}
	}
	msg = reUserinfo.ReplaceAllString(msg, "${1}:"+masked+"@")
	return rePasswordParam.ReplaceAllStringFunc(msg, func(m string) string {
		k, v, _ := strings.Cut(m, "=")
		if v == "" {
			return m
		}
		return k + "=" + masked
	})
}
