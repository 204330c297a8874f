package registry_test

import "encoding/base64"

// basic is the Basic authorization value of user and password.
func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
