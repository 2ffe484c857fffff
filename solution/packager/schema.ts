// JSON Schemas (draft-07, checked with ajv) of the files in solution/src. Each file may carry a
// "$comment". Names follow Dataverse's rules: schema names start with the publisher prefix "vit_".

const comment = { $comment: { type: "string" } } as const;
const prefixed = { type: "string", pattern: "^vit_[A-Za-z][A-Za-z0-9_]*$", maxLength: 50 } as const;
const logicalName = { type: "string", pattern: "^[a-z][a-z0-9_]*$", maxLength: 50 } as const;
const label = { type: "string", minLength: 1, maxLength: 200 } as const;
const text = { type: "string", minLength: 1 } as const;
const depth = { enum: ["Basic", "Local", "Deep", "Global"] } as const;

const optionsSchema = {
  type: "array",
  minItems: 1,
  items: {
    type: "object",
    additionalProperties: false,
    required: ["value", "label"],
    properties: { value: { type: "integer", minimum: 100000000, maximum: 999999999 }, label },
  },
} as const;

export const solutionSchema = {
  type: "object",
  additionalProperties: false,
  required: ["uniqueName", "displayName", "description", "languageCode", "publisher"],
  properties: {
    ...comment,
    uniqueName: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_]*$", maxLength: 65 },
    displayName: label,
    description: text,
    languageCode: { type: "integer", minimum: 1025 },
    publisher: {
      type: "object",
      additionalProperties: false,
      required: ["uniqueName", "displayName", "description", "customizationPrefix", "optionValuePrefix"],
      properties: {
        uniqueName: { type: "string", pattern: "^[a-z][a-z0-9]*$" },
        displayName: label,
        description: text,
        customizationPrefix: { type: "string", pattern: "^[a-z][a-z0-9]{1,7}$" },
        optionValuePrefix: { type: "integer", minimum: 10000, maximum: 99999 },
      },
    },
  },
} as const;

export const choicesSchema = {
  type: "object",
  additionalProperties: false,
  required: ["choices"],
  properties: {
    ...comment,
    choices: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "displayName", "description", "options"],
        properties: { name: { type: "string", pattern: "^vit_[a-z0-9_]+$" }, displayName: label, description: text, options: optionsSchema },
      },
    },
  },
} as const;

const columnCommon = {
  schemaName: prefixed,
  displayName: label,
  description: text,
  required: { type: "boolean" },
  secured: { type: "boolean" },
} as const;

const column = {
  type: "object",
  required: ["schemaName", "type", "displayName", "description"],
  properties: { type: { enum: ["text", "memo", "int", "decimal", "datetime", "boolean", "choice", "lookup"] } },
  allOf: [
    {
      if: { properties: { type: { const: "text" } } },
      then: { additionalProperties: false, required: ["maxLength"], properties: { ...columnCommon, type: {}, maxLength: { type: "integer", minimum: 1, maximum: 4000 } } },
    },
    {
      if: { properties: { type: { const: "memo" } } },
      then: {
        additionalProperties: false,
        required: ["maxLength"],
        properties: { ...columnCommon, type: {}, maxLength: { type: "integer", minimum: 1, maximum: 1048576 }, format: { enum: ["json", "text"] } },
      },
    },
    {
      if: { properties: { type: { const: "int" } } },
      then: { additionalProperties: false, required: ["min", "max"], properties: { ...columnCommon, type: {}, min: { type: "integer", minimum: -2147483648 }, max: { type: "integer", maximum: 2147483647 } } },
    },
    {
      if: { properties: { type: { const: "decimal" } } },
      then: {
        additionalProperties: false,
        required: ["precision", "min", "max"],
        properties: { ...columnCommon, type: {}, precision: { type: "integer", minimum: 0, maximum: 10 }, min: { type: "number", minimum: -100000000000 }, max: { type: "number", maximum: 100000000000 } },
      },
    },
    { if: { properties: { type: { const: "datetime" } } }, then: { additionalProperties: false, properties: { ...columnCommon, type: {} } } },
    {
      if: { properties: { type: { const: "boolean" } } },
      then: { additionalProperties: false, required: ["default", "trueLabel", "falseLabel"], properties: { ...columnCommon, type: {}, default: { type: "boolean" }, trueLabel: label, falseLabel: label } },
    },
    {
      if: { properties: { type: { const: "choice" } } },
      then: {
        additionalProperties: false,
        oneOf: [{ required: ["choice"] }, { required: ["options"] }],
        properties: { ...columnCommon, type: {}, choice: { type: "string" }, options: optionsSchema, default: { type: "integer" } },
      },
    },
    {
      if: { properties: { type: { const: "lookup" } } },
      then: { additionalProperties: false, required: ["target"], properties: { ...columnCommon, type: {}, target: logicalName } },
    },
  ],
} as const;

const condition = {
  type: "object",
  additionalProperties: false,
  required: ["attribute", "operator"],
  properties: {
    attribute: logicalName,
    operator: { enum: ["eq", "ne", "gt", "ge", "lt", "le", "null", "not-null", "eq-userid", "ne-userid", "eq-useroruserteams", "like", "in"] },
    value: { type: "string" },
  },
} as const;

export const tableSchema = {
  type: "object",
  additionalProperties: false,
  required: ["schemaName", "displayName", "pluralName", "description", "ownership", "primaryName", "columns", "forms", "views"],
  properties: {
    ...comment,
    schemaName: prefixed,
    displayName: label,
    pluralName: label,
    description: text,
    ownership: { const: "user" },
    primaryName: {
      type: "object",
      additionalProperties: false,
      required: ["schemaName", "displayName", "maxLength", "description"],
      properties: { schemaName: prefixed, displayName: label, maxLength: { type: "integer", minimum: 1, maximum: 4000 }, description: text },
    },
    columns: { type: "array", minItems: 1, items: column },
    keys: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["schemaName", "displayName", "columns"],
        properties: { schemaName: prefixed, displayName: label, columns: { type: "array", minItems: 1, maxItems: 16, items: logicalName } },
      },
    },
    forms: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "description", "tabs"],
        properties: {
          name: label,
          description: text,
          tabs: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["label", "sections"],
              properties: {
                label,
                sections: {
                  type: "array",
                  minItems: 1,
                  items: {
                    type: "object",
                    additionalProperties: false,
                    required: ["label", "columns"],
                    properties: { label, columns: { type: "array", minItems: 1, items: logicalName } },
                  },
                },
              },
            },
          },
        },
      },
    },
    views: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "type", "columns"],
        properties: {
          name: label,
          type: { enum: ["public", "quickfind", "lookup", "associated", "advancedfind"] },
          default: { type: "boolean" },
          description: text,
          columns: { type: "array", minItems: 1, items: logicalName },
          findColumns: { type: "array", minItems: 1, items: logicalName },
          filter: { type: "array", items: condition },
          order: {
            type: "array",
            items: { type: "object", additionalProperties: false, required: ["attribute", "descending"], properties: { attribute: logicalName, descending: { type: "boolean" } } },
          },
        },
      },
    },
  },
} as const;

export const rolesSchema = {
  type: "object",
  additionalProperties: false,
  required: ["roles"],
  properties: {
    ...comment,
    roles: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "description", "tables"],
        properties: {
          name: label,
          description: text,
          tables: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["table", "why"],
              minProperties: 3,
              properties: {
                table: logicalName,
                why: text,
                create: depth,
                read: depth,
                write: depth,
                delete: depth,
                append: depth,
                appendTo: depth,
                assign: depth,
                share: depth,
              },
            },
          },
        },
      },
    },
  },
} as const;

export const fieldSecuritySchema = {
  type: "object",
  additionalProperties: false,
  required: ["profiles"],
  properties: {
    ...comment,
    profiles: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "description", "permissions"],
        properties: {
          name: label,
          description: text,
          permissions: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["table", "column", "read", "create", "update"],
              properties: { table: logicalName, column: logicalName, read: { type: "boolean" }, create: { type: "boolean" }, update: { type: "boolean" } },
            },
          },
        },
      },
    },
  },
} as const;

export const environmentVariablesSchema = {
  type: "object",
  additionalProperties: false,
  required: ["environmentVariables"],
  properties: {
    ...comment,
    environmentVariables: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["schemaName", "displayName", "type", "description"],
        properties: {
          schemaName: prefixed,
          displayName: label,
          description: text,
          type: { enum: ["text", "number", "boolean", "json"] },
          default: { type: "string" },
        },
      },
    },
  },
} as const;

export const webResourcesSchema = {
  type: "object",
  additionalProperties: false,
  required: ["webResources", "folders"],
  properties: {
    ...comment,
    webResources: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "displayName", "description", "build", "builtBy"],
        properties: { name: { type: "string", pattern: "^vit_/[A-Za-z0-9_./-]+\\.[a-z0-9]+$" }, displayName: label, description: text, build: text, builtBy: text },
      },
    },
    folders: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["namePrefix", "displayName", "description", "build", "entry", "builtBy", "whenMissing"],
        properties: {
          namePrefix: { type: "string", pattern: "^vit_/([A-Za-z0-9_-]+/)+$" },
          displayName: label,
          description: text,
          build: text,
          entry: text,
          builtBy: text,
          whenMissing: { enum: ["fail", "omit"] },
        },
      },
    },
  },
} as const;

export const controlsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["controls"],
  properties: {
    ...comment,
    controls: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["namespace", "constructor", "build", "builtBy"],
        properties: {
          namespace: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9]*$" },
          constructor: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9]*$" },
          build: text,
          builtBy: text,
        },
      },
    },
  },
} as const;

const titled = { id: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_]*$" }, title: label } as const;

export const appSchema = {
  type: "object",
  additionalProperties: false,
  required: ["uniqueName", "displayName", "description", "roles", "tables", "siteMap"],
  properties: {
    ...comment,
    uniqueName: prefixed,
    displayName: label,
    description: text,
    roles: { type: "array", minItems: 1, items: label },
    tables: { type: "array", minItems: 1, items: logicalName },
    siteMap: {
      type: "object",
      additionalProperties: false,
      required: ["areas"],
      properties: {
        areas: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["id", "title", "groups"],
            properties: {
              ...titled,
              groups: {
                type: "array",
                minItems: 1,
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["id", "title", "subAreas"],
                  properties: {
                    ...titled,
                    subAreas: {
                      type: "array",
                      minItems: 1,
                      items: {
                        type: "object",
                        additionalProperties: false,
                        required: ["id", "title"],
                        oneOf: [{ required: ["table"] }, { required: ["webResource"] }],
                        properties: { ...titled, table: logicalName, webResource: { type: "string" } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** forms.json: the standard main forms the record panel is added to (solution/packager/panelforms.ts). */
export const panelFormsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["control", "tabLabel", "forms"],
  properties: {
    ...comment,
    control: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9]*\\.[A-Za-z][A-Za-z0-9]*$" },
    tabLabel: label,
    forms: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["table", "formName", "formId", "boundColumn", "boundType"],
        properties: {
          table: logicalName,
          formName: { type: "string", minLength: 1, maxLength: 100 },
          formId: { type: "string", pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" },
          boundColumn: logicalName,
          boundType: { enum: ["SingleLine.Text", "Whole.None", "Lookup.Simple"] },
        },
      },
    },
  },
} as const;
