package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline"
)

// DefaultLocation is the definitions location used when none is named.
const DefaultLocation = "default"

// ApplyDefinitions makes the assets declared at location exactly those of defs. See
// plumbline.Catalog.
func (s *Store) ApplyDefinitions(ctx context.Context, location string, defs *plumbline.Definitions) (*plumbline.ApplyResult, error) {
	if location == "" {
		location = DefaultLocation
	}
	specs := map[string]string{}
	var keys []string
	for i := range defs.Assets {
		a := &defs.Assets[i]
		if err := a.Key.Validate(); err != nil {
			return nil, plumbline.Errorf(plumbline.EINVALID, "assets[%d]: %s", i, plumbline.ErrorMessage(err))
		}
		for j, d := range a.Deps {
			if err := d.Validate(); err != nil {
				return nil, plumbline.Errorf(plumbline.EINVALID, "assets[%d].deps[%d]: %s", i, j, plumbline.ErrorMessage(err))
			}
		}
		k := a.Key.String()
		if _, dup := specs[k]; dup {
			return nil, plumbline.Errorf(plumbline.EINVALID, "asset %s is declared twice", k)
		}
		b, err := marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode spec of %s: %w", k, err)
		}
		specs[k] = string(b)
		keys = append(keys, k)
	}
	sort.Strings(keys)
	byKey := map[string]*plumbline.AssetSpec{}
	for i := range defs.Assets {
		byKey[defs.Assets[i].Key.String()] = &defs.Assets[i]
	}

	var result *plumbline.ApplyResult
	events, err := s.write(ctx, nil, func(tx *gorm.DB, now time.Time) ([]plumbline.Event, error) {
		result = &plumbline.ApplyResult{Location: location}
		ts := now.UnixMicro()
		existing := map[string]assetRow{}
		var rows []assetRow
		if err := tx.Select("key", "spec", "location").Where("location = ?", location).Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			existing[r.Key] = r
		}
		if len(keys) > 0 {
			a := &sqlArgs{s: s}
			rows, err := s.rawQuery(tx, "SELECT key, spec, location FROM assets WHERE "+a.in("key", keys), a.args...)
			if err != nil {
				return nil, err
			}
			err = func() error {
				defer rows.Close()
				for rows.Next() {
					var r assetRow
					if err := rows.Scan(&r.Key, &r.Spec, &r.Location); err != nil {
						return err
					}
					existing[r.Key] = r
				}
				return rows.Err()
			}()
			if err != nil {
				return nil, err
			}
		}

		var changed []string // added or updated
		for _, k := range keys {
			old, ok := existing[k]
			switch {
			case ok && old.Location != "" && old.Location != location:
				return nil, plumbline.Errorf(plumbline.ECONFLICT, "asset %s is already declared by location %q", k, old.Location)
			case !ok || old.Spec == nil:
				result.Added = append(result.Added, byKey[k].Key)
				changed = append(changed, k)
			case *old.Spec != specs[k]:
				result.Updated = append(result.Updated, byKey[k].Key)
				changed = append(changed, k)
			default:
				result.Unchanged++
			}
		}
		var removed []string
		for k, r := range existing {
			if r.Location == location && byKey[k] == nil {
				removed = append(removed, k)
			}
		}
		sort.Strings(removed)
		for _, k := range removed {
			result.Removed = append(result.Removed, parseStoredKey(k))
		}
		if !result.Changed() {
			return nil, nil
		}

		if len(changed) > 0 {
			err := insertRows(tx, "assets",
				[]string{"key", "spec", "location", "group_name", "owners", "kinds", "tags", "created_at", "updated_at"},
				`ON CONFLICT (key) DO UPDATE SET spec = excluded.spec, location = excluded.location,
				group_name = excluded.group_name, owners = excluded.owners, kinds = excluded.kinds,
				tags = excluded.tags, updated_at = excluded.updated_at`,
				len(changed), func(i int) []any {
					k := changed[i]
					a := byKey[k]
					return []any{k, specs[k], location, nullable(a.Group), jsonOrNull(a.Owners), jsonOrNull(a.Kinds), jsonOrNull(a.Tags), ts, ts}
				})
			if err != nil {
				return nil, err
			}
		}
		if err := s.execIn(tx, `UPDATE assets SET spec = NULL, location = '', group_name = NULL, owners = NULL,
				kinds = NULL, tags = NULL, updated_at = `+s.ph(1)+` WHERE `, "key", removed, ts); err != nil {
			return nil, err
		}

		// Dependencies and checks of every asset whose spec changed are rewritten.
		touched := append(append([]string(nil), changed...), removed...)
		if err := s.execIn(tx, "DELETE FROM asset_edges WHERE source = 'spec' AND ", "downstream", touched); err != nil {
			return nil, err
		}
		if err := s.execIn(tx, "UPDATE asset_checks SET spec = NULL WHERE ", "asset_key", touched); err != nil {
			return nil, err
		}
		var edges [][2]string
		depKeys := map[string]bool{}
		type check struct{ asset, name, spec string }
		var checks []check
		for _, k := range changed {
			a := byKey[k]
			for _, d := range a.Deps {
				edges = append(edges, [2]string{d.String(), k})
				depKeys[d.String()] = true
			}
			for _, c := range a.Checks {
				b, _ := marshal(c)
				checks = append(checks, check{k, c.Name, string(b)})
			}
		}
		if len(edges) > 0 {
			if err := insertRows(tx, "asset_edges", []string{"upstream", "downstream", "source"}, "ON CONFLICT DO NOTHING",
				len(edges), func(i int) []any { return []any{edges[i][0], edges[i][1], "spec"} }); err != nil {
				return nil, err
			}
		}
		// Deps on assets nobody declared or reported yet make undeclared assets.
		var deps []string
		for d := range depKeys {
			if byKey[d] == nil {
				deps = append(deps, d)
			}
		}
		sort.Strings(deps)
		if len(deps) > 0 {
			if err := insertRows(tx, "assets", []string{"key", "location", "created_at", "updated_at"}, "ON CONFLICT (key) DO NOTHING",
				len(deps), func(i int) []any { return []any{deps[i], "", ts, ts} }); err != nil {
				return nil, err
			}
		}
		if len(checks) > 0 {
			if err := insertRows(tx, "asset_checks", []string{"asset_key", "name", "spec", "updated_at"},
				"ON CONFLICT (asset_key, name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
				len(checks), func(i int) []any { return []any{checks[i].asset, checks[i].name, checks[i].spec, ts} }); err != nil {
				return nil, err
			}
		}
		if err := s.execIn(tx, "DELETE FROM asset_checks WHERE spec IS NULL AND last_evaluation_id IS NULL AND ", "asset_key", touched); err != nil {
			return nil, err
		}
		if err := bumpCatalogVersion(tx); err != nil {
			return nil, err
		}
		return []plumbline.Event{appliedEvent(result, len(keys))}, nil
	})
	if err != nil {
		return nil, err
	}
	if len(events) > 0 {
		result.StorageID = events[0].StorageID
	}
	return result, nil
}

func appliedEvent(r *plumbline.ApplyResult, declared int) plumbline.Event {
	meta := plumbline.Metadata{
		{Key: "location", Type: plumbline.MetaText, Value: jsonString(r.Location)},
		{Key: "declared", Type: plumbline.MetaInt, Value: json.RawMessage(strconv.Itoa(declared))},
	}
	for _, part := range []struct {
		name string
		keys []plumbline.AssetKey
	}{{"added", r.Added}, {"updated", r.Updated}, {"removed", r.Removed}} {
		if len(part.keys) == 0 {
			continue
		}
		strs := keyStrings(part.keys)
		if len(strs) > 100 {
			strs = append(strs[:100], fmt.Sprintf("… and %d more", len(strs)-100))
		}
		b, _ := marshal(strs)
		meta = append(meta, plumbline.MetadataEntry{Key: part.name, Type: plumbline.MetaJSON, Value: b})
	}
	return plumbline.Event{
		Type: plumbline.DefinitionsApplied,
		Message: fmt.Sprintf("definitions applied at %s: %d added, %d updated, %d removed, %d unchanged",
			r.Location, len(r.Added), len(r.Updated), len(r.Removed), r.Unchanged),
		Metadata: meta,
	}
}

func jsonOrNull[T []string | map[string]string](v T) *string {
	if len(v) == 0 {
		return nil
	}
	b, _ := marshal(v)
	s := string(b)
	return &s
}

func jsonString(s string) json.RawMessage {
	b, _ := marshal(s)
	return b
}
