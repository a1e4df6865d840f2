package cli

import "github.com/hoistdb/hoist/sdk"

type jsonAccepted struct {
	Version  int64  `json:"version"`
	Name     string `json:"name"`
	File     string `json:"file"`
	Recorded string `json:"recorded"`
	Checksum string `json:"checksum"`
}

// acceptChecksums is migrate:repair --checksums.
func (c *command) acceptChecksums(m *sdk.Migrator, asJSON bool) error {
	list, err := m.AcceptChecksums(c.ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := struct {
			Accepted []jsonAccepted `json:"accepted"`
		}{[]jsonAccepted{}}
		for _, a := range list {
			out.Accepted = append(out.Accepted, jsonAccepted(a))
		}
		return c.out.json(out)
	}
	if len(list) == 0 {
		c.out.println("nothing to accept: no applied migration was edited")
		return nil
	}
	for _, a := range list {
		c.out.printf("accepted the edited %s: recorded checksum %.12s, was %.12s\n", a.File, a.Checksum, a.Recorded)
	}
	c.out.println("the database was not changed; later runs take the files as they are now")
	return nil
}
